// libFuzzer target: model bytes -> load_model_bytes -> Session::from_graph -> run on small
// generated inputs. Any crash, sanitizer report, leak, hang or out-of-memory is a finding, and so
// is a Status with code kInternal: a malformed model must come back as a user error (exit 2),
// never as a steadfast bug. (Set SF_FUZZ_ALLOW_INTERNAL=1 to report those without stopping.)
//
// Mutation: half of the mutations are libFuzzer's byte-level ones; the other half parse the input
// as an onnx::ModelProto, change one structural thing (a dim, an attribute value, an op type, an
// input name, a dtype, the opset, raw_data's length, a node removed or duplicated) and serialize
// it again, so that mutants stay parseable and reach shape inference and the kernels.
//
// Bounds that keep one execution small (see tests/fuzz/README.md): no tensor over 64 MiB, inputs
// at most 1 MiB in all, models whose inferred cost passes 2e8 FLOPs are loaded but not run.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/onnx/loader.hpp"
#include "ir/cost.hpp"
#include "ir/op_kind.hpp"
#include "runtime/session.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

constexpr int64_t kMaxTensorBytes = int64_t{64} << 20;
constexpr int64_t kMaxInputBytes = int64_t{1} << 20;
constexpr double kMaxFlops = 2e8;

void check(const sf::Status& s, const char* stage) {
  if (s.is_ok() || s.code() != sf::StatusCode::kInternal) return;
  std::fprintf(stderr, "fuzz_model_loader: internal error during %s: %s\n", stage,
               s.to_string().c_str());
  static const bool allow = std::getenv("SF_FUZZ_ALLOW_INTERNAL") != nullptr;
  if (!allow) std::abort();
}

uint64_t fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

// Inputs from the declared signature: unknown dims become 1..3, values come from a generator
// seeded by the model bytes (reproducible), with a few edge values (0, -1, large, NaN) mixed in.
bool make_inputs(const sf::rt::Session& s, uint64_t seed, sf::rt::NamedTensors& feeds) {
  std::mt19937_64 rng(seed);
  int64_t total = 0;
  for (const sf::rt::IoInfo& info : s.inputs()) {
    sf::Shape shape = info.type.shape.value_or(sf::Shape{});
    for (int64_t& d : shape)
      if (d < 0) d = 1 + static_cast<int64_t>(rng() % 3);
    const sf::DType dt = info.type.dtype == sf::DType::kUndefined ? sf::DType::kF32 : info.type.dtype;
    auto numel = sf::shape_numel(shape);
    if (!numel || !sf::dtype_is_supported(dt)) return false;
    const int64_t esize = static_cast<int64_t>(sf::dtype_size(dt));
    if (*numel > (kMaxInputBytes - total) / esize) return false;  // too large to be worth running
    total += *numel * esize;
    auto t = sf::Tensor::make(dt, shape, kMaxTensorBytes);
    if (!t) return false;
    sf::Tensor& x = t.value();
    sf::visit_dtype(dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const uint64_t r = rng();
        if constexpr (std::is_same_v<T, bool>) {
          x.data<T>()[i] = (r & 1) != 0;
        } else if constexpr (std::is_integral_v<T>) {
          // Mostly small values (valid indices, axes, sizes), sometimes -1 or the type's extremes.
          switch (r % 16) {
            case 0: x.data<T>()[i] = std::numeric_limits<T>::max(); break;
            case 1: x.data<T>()[i] = std::numeric_limits<T>::min(); break;
            case 2: x.data<T>()[i] = static_cast<T>(-1); break;
            default: x.data<T>()[i] = static_cast<T>((r >> 8) % 4); break;
          }
        } else {
          float v;
          switch (r % 32) {
            case 0: v = std::numeric_limits<float>::quiet_NaN(); break;
            case 1: v = std::numeric_limits<float>::infinity(); break;
            case 2: v = -1e30f; break;
            case 3: v = 0.f; break;
            default: v = static_cast<float>(static_cast<int64_t>((r >> 8) % 2001) - 1000) / 250.f;
          }
          x.data<T>()[i] = T(v);
        }
      }
    });
    feeds.emplace_back(info.name, std::move(x));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sf::onnx_io::LoadOptions lo;
  lo.max_tensor_bytes = kMaxTensorBytes;
  lo.max_nodes = 10'000;
  auto loaded = sf::onnx_io::load_model_bytes(data, size, "", lo);
  if (!loaded) {
    check(loaded.status(), "load");
    return 0;
  }
  sf::rt::SessionOptions so;
  so.threads = 1;
  so.max_tensor_bytes = kMaxTensorBytes;
  so.max_folded_bytes = int64_t{1} << 20;
  auto session = sf::rt::Session::from_graph(std::move(loaded.value().graph), so);
  if (!session) {
    check(session.status(), "prepare");
    return 0;
  }
  const sf::rt::Session& s = **session;
  double flops = 0;
  for (const sf::ir::Node& n : s.graph().nodes) {
    const sf::ir::NodeCost c = sf::ir::node_cost(s.graph(), n);
    if (c.flops > 0) flops += c.flops;
  }
  if (flops > kMaxFlops) return 0;
  sf::rt::NamedTensors feeds;
  if (!make_inputs(s, fnv1a(data, size), feeds)) return 0;
  auto out = s.run(feeds);
  if (!out) {
    check(out.status(), "run");
    return 0;
  }
  for (const auto& [name, t] : *out) {
    // Every output must be a well-formed tensor; reading its bytes lets ASan check the buffer.
    auto n = sf::shape_numel(t.shape());
    if (t.empty() || !n || *n != t.numel()) {
      std::fprintf(stderr, "fuzz_model_loader: output '%s' is malformed (%s)\n", name.c_str(),
                   t.describe().c_str());
      std::abort();
    }
    volatile uint8_t sink = 0;
    const auto* bytes = static_cast<const uint8_t*>(t.raw());
    for (size_t i = 0; i < t.nbytes(); i += 61) sink = sink ^ bytes[i];
    if (t.nbytes() > 0) sink = sink ^ bytes[t.nbytes() - 1];
  }
  return 0;
}

// ---- structure-aware mutation --------------------------------------------------------------

namespace {

using Rng = std::minstd_rand;

int64_t interesting_int(Rng& rng) {
  static const int64_t kValues[] = {0,  1,  2,  3,  4,  -1, -2, -3, 7, 16, 255, 256, 65536,
                                    int64_t{1} << 31, (int64_t{1} << 31) - 1, int64_t{1} << 32,
                                    int64_t{1} << 62, INT64_MAX, INT64_MIN};
  return kValues[rng() % (sizeof kValues / sizeof kValues[0])];
}

template <typename T>
T& pick(google::protobuf::RepeatedPtrField<T>* f, Rng& rng) {
  return *f->Mutable(static_cast<int>(rng() % static_cast<unsigned>(f->size())));
}

// All graphs of the model (subgraphs included), to mutate any of them.
void collect_graphs(onnx::GraphProto* g, std::vector<onnx::GraphProto*>& out, int depth) {
  out.push_back(g);
  if (depth > 8) return;
  for (auto& n : *g->mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) collect_graphs(a.mutable_g(), out, depth + 1);
      for (auto& sg : *a.mutable_graphs()) collect_graphs(&sg, out, depth + 1);
    }
}

std::vector<std::string> value_names(const onnx::GraphProto& g) {
  std::vector<std::string> names;
  for (const auto& v : g.input()) names.push_back(v.name());
  for (const auto& v : g.initializer()) names.push_back(v.name());
  for (const auto& n : g.node())
    for (const auto& o : n.output()) names.push_back(o);
  return names;
}

void mutate_dim(onnx::TensorShapeProto* shape, Rng& rng) {
  if (shape->dim_size() == 0 || rng() % 4 == 0) {
    shape->add_dim()->set_dim_value(interesting_int(rng) & 7);
    return;
  }
  auto& d = pick(shape->mutable_dim(), rng);
  switch (rng() % 3) {
    case 0: d.set_dim_value(interesting_int(rng)); break;
    case 1: d.set_dim_param("N"); break;
    default: d.set_dim_value(static_cast<int64_t>(rng() % 5)); break;
  }
}

// One structural change; false if the chosen kind did not apply to this model.
bool mutate_model(onnx::ModelProto& m, Rng& rng) {
  std::vector<onnx::GraphProto*> graphs;
  collect_graphs(m.mutable_graph(), graphs, 0);
  onnx::GraphProto& g = *graphs[rng() % graphs.size()];
  switch (rng() % 12) {
    case 0: {  // an initializer's dims
      if (g.initializer_size() == 0) return false;
      auto& t = pick(g.mutable_initializer(), rng);
      if (t.dims_size() == 0 || rng() % 4 == 0) t.add_dims(interesting_int(rng) & 3);
      else t.set_dims(static_cast<int>(rng() % static_cast<unsigned>(t.dims_size())),
                      rng() % 2 ? interesting_int(rng) : static_cast<int64_t>(rng() % 5));
      return true;
    }
    case 1: {  // a declared input/output shape
      auto* vis = rng() % 2 ? g.mutable_input() : g.mutable_output();
      if (vis->empty()) return false;
      auto& vi = pick(vis, rng);
      mutate_dim(vi.mutable_type()->mutable_tensor_type()->mutable_shape(), rng);
      return true;
    }
    case 2: {  // an int / ints attribute
      if (g.node_size() == 0) return false;
      auto& n = pick(g.mutable_node(), rng);
      if (n.attribute_size() == 0) return false;
      auto& a = pick(n.mutable_attribute(), rng);
      if (a.type() == onnx::AttributeProto::INTS && a.ints_size() > 0) {
        if (rng() % 3 == 0) a.add_ints(interesting_int(rng));
        else a.set_ints(static_cast<int>(rng() % static_cast<unsigned>(a.ints_size())),
                        rng() % 2 ? interesting_int(rng) : static_cast<int64_t>(rng() % 7) - 3);
      } else if (a.type() == onnx::AttributeProto::FLOAT) {
        const float fs[] = {0.f, -1.f, 1e30f, -1e-30f, std::numeric_limits<float>::quiet_NaN()};
        a.set_f(fs[rng() % 5]);
      } else if (a.type() == onnx::AttributeProto::STRING) {
        const char* ss[] = {"", "NOTSET", "SAME_UPPER", "linear", "nearest", "constant", "DCR"};
        a.set_s(ss[rng() % 7]);
      } else {
        a.set_type(onnx::AttributeProto::INT);
        a.set_i(rng() % 2 ? interesting_int(rng) : static_cast<int64_t>(rng() % 7) - 3);
      }
      return true;
    }
    case 3: {  // an op type
      if (g.node_size() == 0) return false;
      const auto op = static_cast<sf::ir::OpKind>(rng() % sf::ir::kOpCount);
      pick(g.mutable_node(), rng).set_op_type(sf::ir::op_name(op));
      return true;
    }
    case 4: {  // a node input: another value, or omitted
      if (g.node_size() == 0) return false;
      auto& n = pick(g.mutable_node(), rng);
      const auto names = value_names(g);
      if (names.empty()) return false;
      const std::string name = rng() % 5 == 0 ? "" : names[rng() % names.size()];
      if (n.input_size() == 0 || rng() % 4 == 0) n.add_input(name);
      else n.set_input(static_cast<int>(rng() % static_cast<unsigned>(n.input_size())), name);
      return true;
    }
    case 5: {  // remove a node
      if (g.node_size() == 0) return false;
      g.mutable_node()->DeleteSubrange(static_cast<int>(rng() % static_cast<unsigned>(g.node_size())), 1);
      return true;
    }
    case 6: {  // duplicate a node with fresh output names
      if (g.node_size() == 0) return false;
      onnx::NodeProto copy = g.node(static_cast<int>(rng() % static_cast<unsigned>(g.node_size())));
      for (auto& o : *copy.mutable_output()) o += "_dup";
      *g.add_node() = copy;
      return true;
    }
    case 7: {  // an element type
      const int dt = static_cast<int>(rng() % 18);
      if (g.initializer_size() > 0 && rng() % 2) {
        pick(g.mutable_initializer(), rng).set_data_type(dt);
      } else {
        if (g.input_size() == 0) return false;
        pick(g.mutable_input(), rng).mutable_type()->mutable_tensor_type()->set_elem_type(dt);
      }
      return true;
    }
    case 8: {  // the opset
      if (m.opset_import_size() == 0) return false;
      m.mutable_opset_import(0)->set_version(1 + static_cast<int64_t>(rng() % 18));
      return true;
    }
    case 9: {  // raw_data longer or shorter
      if (g.initializer_size() == 0) return false;
      auto& t = pick(g.mutable_initializer(), rng);
      std::string* raw = t.mutable_raw_data();
      if (!raw->empty() && rng() % 2) raw->resize(rng() % raw->size());
      else raw->append(static_cast<size_t>(1 + rng() % 16), static_cast<char>(rng()));
      return true;
    }
    case 10: {  // an initializer value (indices, shapes and axes often live there)
      if (g.initializer_size() == 0) return false;
      auto& t = pick(g.mutable_initializer(), rng);
      std::string* raw = t.mutable_raw_data();
      if (t.data_type() == onnx::TensorProto::INT64 && raw->size() >= 8) {
        const int64_t v = rng() % 2 ? interesting_int(rng) : static_cast<int64_t>(rng() % 9) - 4;
        const size_t at = 8 * (rng() % (raw->size() / 8));
        std::memcpy(raw->data() + at, &v, 8);
      } else if (t.int64_data_size() > 0) {
        t.set_int64_data(static_cast<int>(rng() % static_cast<unsigned>(t.int64_data_size())),
                         interesting_int(rng));
      } else if (!raw->empty()) {
        (*raw)[rng() % raw->size()] = static_cast<char>(rng());
      } else {
        return false;
      }
      return true;
    }
    default: {  // move an output to another value, or add a graph output
      const auto names = value_names(g);
      if (names.empty()) return false;
      if (g.output_size() > 0 && rng() % 2) pick(g.mutable_output(), rng).set_name(names[rng() % names.size()]);
      else g.add_output()->set_name(names[rng() % names.size()]);
      return true;
    }
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  Rng rng(seed);
  if (rng() % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  onnx::ModelProto m;
  if (!m.ParseFromArray(data, static_cast<int>(size)) || !m.has_graph())
    return LLVMFuzzerMutate(data, size, max_size);
  bool changed = false;
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < rounds; ++i) changed |= mutate_model(m, rng);
  if (!changed) return LLVMFuzzerMutate(data, size, max_size);
  const std::string out = m.SerializeAsString();
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
