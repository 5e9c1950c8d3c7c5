// The ONNX op registry (STYLE.md sections 4 and 9): each op the importer knows registers once, in
// its family's file, with its handler and flags; the walk (importer.cpp) looks ops up here, and
// handled_ops(), free_ops() and unary_ops() are views of it, so no list is kept by hand. An op
// that is not registered is an unsupported op; a registered one the IR cannot express on
// activations registers a handler that says why (constant_ops.cpp).
#pragma once
#include <string>
#include <vector>

#include "base/registry.h"
#include "workload/onnx/import_state.h"

namespace ncore::workload::onnx {

// Maps a node with at least one activation input (or any node without kFreeOnConstants) onto
// layers or views: sets its outputs' Values, or throws Unmappable.
using OpHandler = void (*)(ImportState& st, const NodeProto& n);

enum OpFlag : unsigned {
  kOnActivations = 0,    // none of the below: the handler sees every node of the op
  kFreeOnConstants = 1,  // without an activation input the outputs are free (shape arithmetic,
                         // masks, constants) and the handler is not called
  kUnary = 2,            // a one-input elementwise op: a relu-kind layer on an activation, free
                         // on constants (implies kFreeOnConstants)
  kAnyDomain = 4,        // also accepted outside the default domain (com.microsoft's Gelu)
};

struct OnnxOp {
  OpHandler handle = nullptr;
  unsigned flags = kOnActivations;

  bool free_on_constants() const { return (flags & (kFreeOnConstants | kUnary)) != 0; }
  bool unary() const { return (flags & kUnary) != 0; }
  bool any_domain() const { return (flags & kAnyDomain) != 0; }
  static const char* registry_what() { return "ONNX op"; }
};

using OnnxOpRegistry = base::Registry<OnnxOp>;

// The registered op types, sorted: ops the importer maps when they compute on activations
// (and frees on constants when flagged).
std::vector<std::string> handled_ops();
// The ops flagged kFreeOnConstants (not counting kUnary's implied flag), and kUnary.
std::vector<std::string> free_ops();
std::vector<std::string> unary_ops();

}  // namespace ncore::workload::onnx

// NCORE_REGISTER_ONNX_OP("Conv", conv, kOnActivations): one line per op type, at namespace scope
// in the op family's file.
#define NCORE_REGISTER_ONNX_OP(name, handler, flags)                                \
  static const ::ncore::base::Registrar<::ncore::workload::onnx::OnnxOp> NCORE_CAT( \
      s_onnx_op_, __LINE__)(name, ::ncore::workload::onnx::OnnxOp{handler, flags})
