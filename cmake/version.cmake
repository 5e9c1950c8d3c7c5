# Writes OUT (a header defining NCORE_VERSION_STRING) from the checkout's commit, touching it
# only when the text changes, so every build names the code that made it without rebuilding.
execute_process(COMMAND git rev-parse --short=7 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE GIT_HASH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT GIT_HASH)
  set(GIT_HASH "unknown")
endif()
set(TEXT "#pragma once\n#define NCORE_VERSION_STRING \"ncoresim ${VERSION} (git ${GIT_HASH})\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} OLD)
endif()
if(NOT "${OLD}" STREQUAL "${TEXT}")
  file(WRITE ${OUT} "${TEXT}")
endif()
