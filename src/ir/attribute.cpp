#include "ir/attribute.hpp"

#include "ir/graph.hpp"

namespace sf::ir {

const char* attr_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kGraph: return "graph";
    case Attribute::Kind::kOther: return "other";
  }
  return "other";
}

Status AttrReader::error(const std::string& name, const std::string& what) const {
  return invalid_model(node_.label() + ": attribute '" + name + "' " + what);
}

bool AttrReader::has(const std::string& name) const { return node_.raw_attrs.count(name) != 0; }

Result<const Attribute*> AttrReader::find(const std::string& name, Attribute::Kind kind,
                                          bool required) const {
  auto it = node_.raw_attrs.find(name);
  if (it == node_.raw_attrs.end()) {
    if (required) return invalid_model(node_.label() + ": missing required attribute '" + name + "'");
    return static_cast<const Attribute*>(nullptr);
  }
  if (it->second.kind != kind)
    return error(name, std::string("must be of type ") + attr_kind_name(kind) + ", got " +
                           attr_kind_name(it->second.kind));
  return &it->second;
}

Result<int64_t> AttrReader::get_int(const std::string& name, int64_t def) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kInt, false));
  return a ? a->i : def;
}
Result<int64_t> AttrReader::req_int(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kInt, true));
  return a->i;
}
Result<float> AttrReader::get_float(const std::string& name, float def) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kFloat, false));
  return a ? a->f : def;
}
Result<float> AttrReader::req_float(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kFloat, true));
  return a->f;
}
Result<std::string> AttrReader::get_string(const std::string& name, const std::string& def) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kString, false));
  return a ? a->s : def;
}
Result<std::vector<int64_t>> AttrReader::get_ints(const std::string& name,
                                                  const std::vector<int64_t>& def) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kInts, false));
  return a ? a->ints : def;
}
Result<std::vector<int64_t>> AttrReader::req_ints(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kInts, true));
  return a->ints;
}
Result<std::vector<float>> AttrReader::get_floats(const std::string& name,
                                                  const std::vector<float>& def) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kFloats, false));
  return a ? a->floats : def;
}
Result<std::vector<std::string>> AttrReader::get_strings(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kStrings, false));
  return a ? a->strings : std::vector<std::string>{};
}
Result<Tensor> AttrReader::req_tensor(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kTensor, true));
  return a->t;
}
Result<std::shared_ptr<Graph>> AttrReader::req_graph(const std::string& name) const {
  SF_ASSIGN_OR_RETURN(const Attribute* a, find(name, Attribute::Kind::kGraph, true));
  return a->g;
}

}  // namespace sf::ir
