// One registry template for every extension point that registers itself by name (STYLE.md
// section 4): layer kinds, DRAM presets, ONNX op handlers. Registration happens in static
// initializers of the extension's own file; `ncore` is an OBJECT library so they survive linking.
// A name registered twice is a bug (std::logic_error); an unknown name is the caller's error to
// report, with names() listing the known ones.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ncore::base {

// T names what it registers with a static `const char* registry_what()` ("layer kind").
template <class T>
class Registry {
 public:
  static Registry& instance() {
    static Registry r;
    return r;
  }
  void add(const std::string& name, T entry) {
    if (!m_entries.emplace(name, std::move(entry)).second)
      throw std::logic_error(std::string(T::registry_what()) + " registered twice: " + name);
  }
  const T* find(const std::string& name) const {
    const auto it = m_entries.find(name);
    return it == m_entries.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {  // sorted
    std::vector<std::string> out;
    for (const auto& [n, e] : m_entries) out.push_back(n);
    return out;
  }
  const std::map<std::string, T>& entries() const { return m_entries; }

 private:
  std::map<std::string, T> m_entries;
};

// Registers at static-initialization time: `static const Registrar<T> r(name, entry);`.
template <class T>
struct Registrar {
  Registrar(const std::string& name, T entry) {
    Registry<T>::instance().add(name, std::move(entry));
  }
};

}  // namespace ncore::base

#define NCORE_CAT2(a, b) a##b
#define NCORE_CAT(a, b) NCORE_CAT2(a, b)
