#include "ir/infer.hpp"

namespace sf::ir {

std::vector<InferInput> static_infer_inputs(const Graph& g, const Node& node) {
  std::vector<InferInput> in(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ValueId id = node.inputs[i];
    if (id == kNoValue) continue;
    const Value& v = g.value(id);
    in[i].present = true;
    in[i].dtype = v.type.dtype;
    in[i].shape = v.type.shape;
    if (v.constant) {
      in[i].value = &*v.constant;
      in[i].dtype = v.constant->dtype();
      in[i].shape = v.constant->shape();
    }
  }
  return in;
}

Status infer_graph(Graph& g) {
  for (Node& node : g.nodes) {
    InferContext ctx(node, static_infer_inputs(g, node));
    SF_TRY(infer_node(ctx));
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == kNoValue) continue;
      Value& v = g.value(node.outputs[i]);
      const TypeInfo& t = ctx.out[i];
      if (t.dtype == DType::kUndefined)
        return internal_error(node.label() + ": inference left output " + std::to_string(i) +
                              " without a type");
      if (v.type.dtype != DType::kUndefined && v.type.dtype != t.dtype && g.nodes.size() > 0) {
        bool is_graph_output = false;
        for (ValueId o : g.outputs) is_graph_output |= (o == node.outputs[i]);
        if (is_graph_output)
          return invalid_model(node.label() + ": output '" + v.name + "' is declared " +
                               dtype_name(v.type.dtype) + " but computes " + dtype_name(t.dtype));
      }
      v.type = t;
    }
  }
  return Status::ok();
}

}  // namespace sf::ir
