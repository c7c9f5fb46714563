// Graph rewrites. Each pass keeps the graph valid (verify() holds before and after).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "ir/graph.hpp"

namespace sf::ir {

// Evaluates one node on constant inputs (provided by the runtime's reference kernels).
using ConstEvalFn =
    std::function<Result<std::vector<Tensor>>(const Node& node, const std::vector<const Tensor*>& in)>;

struct PassStats {
  int folded = 0;
  int identities_removed = 0;
  int dead_removed = 0;
  // Fusion (fuse_for_cpu and the passes it runs).
  int bn_folded = 0;          // BatchNormalization folded into the preceding Conv's weights
  int pads_folded = 0;        // zero Pad folded into the following Conv's pads
  int convs_fused = 0;        // Conv -> FusedConv
  int matmuls_fused = 0;      // MatMul / Gemm -> FusedMatMul
  int biases_fused = 0;       // Add of a constant bias absorbed by a FusedMatMul
  int residuals_fused = 0;    // residual Add absorbed by a FusedConv / FusedMatMul
  int activations_fused = 0;  // activation absorbed by a FusedConv / FusedMatMul
  int layernorms = 0;         // ReduceMean/Sub/Pow/.../Add chains -> LayerNormalization
  int gelus = 0;              // Erf and Tanh forms -> Gelu
  int attentions = 0;         // MatMul/scale/mask/Softmax/MatMul -> Attention
  // Layout (layout_nhwc).
  int layout_nodes = 0;       // nodes rewritten to channels-last by layout_nhwc
  int layout_transposes = 0;  // Transposes layout_nhwc inserted
};

// Which fusion passes fuse_for_cpu runs.
struct FuseOptions {
  bool fold_batchnorm = true;
  bool fold_pad = true;
  bool patterns = true;  // LayerNorm, Gelu, Attention
  bool conv = true;
  bool matmul = true;
};

// Replaces nodes whose inputs are all constant by their results (skipping results larger than
// `max_folded_bytes`, which would only grow the model).
Status fold_constants(Graph& g, const ConstEvalFn& eval, int64_t max_folded_bytes, PassStats& stats);
// Bypasses Identity nodes (and Dropout in inference mode with no mask output).
Status remove_identities(Graph& g, PassStats& stats);
// Removes nodes none of whose outputs reach a graph output, then unused values.
Status remove_dead_nodes(Graph& g, PassStats& stats);
// Conv (constant W, optional constant B) followed by an inference-mode BatchNormalization with
// constant parameters that is the Conv output's only reader: the BN is folded into new
// constants W' = W * s, B' = (B - mean) * s + bias with s = scale / sqrt(var + eps).
Status fold_batchnorm(Graph& g, PassStats& stats);
// A constant-mode Pad with value 0, known non-negative pads on the spatial dims only (none on N
// and C) and no axes input, whose output is read once, as X, by a Conv or an NCHW FusedConv with
// auto_pad NOTSET: the Pad's spatial pads are added to the convolution's pads and the Pad is
// removed. Other readers (AveragePool, MaxPool) keep their Pad.
Status fold_pad(Graph& g, PassStats& stats);
// Recognises LayerNorm (PyTorch's opset 13/14 decomposition over the last axis), Gelu (erf and
// tanh forms) and scaled dot-product attention, replacing them by LayerNormalization, Gelu and
// Attention nodes.
Status fuse_patterns(Graph& g, PassStats& stats);
// Conv -> FusedConv, then absorbs a residual Add and an activation (see fuse_util.hpp).
Status fuse_conv(Graph& g, PassStats& stats);
// Gemm (transA = 0) and MatMul -> FusedMatMul, absorbing a constant bias Add over the last dim,
// then a residual Add and an activation.
Status fuse_matmul(Graph& g, PassStats& stats);
// The CPU pipeline: fold_batchnorm, fold_pad, fuse_patterns, fuse_conv, fuse_matmul as `opts`
// enables, then verify(). Float32 values only. Graphs with subgraph bodies are left unchanged. Callers
// run infer_graph afterwards.
Status fuse_for_cpu(Graph& g, const FuseOptions& opts, PassStats& stats);

// Channels-last layout: finds regions of 4-D fp32 FusedConv nodes (channels_last = 0) or Conv
// nodes (which become channels-last FusedConvs without activation) and the layout-agnostic ops
// between them (unary activations, Clip with constant bounds, Add/Sub/Mul of two region values
// of equal static shape, Concat of region values along the channels (axis 1, which becomes
// axis 3), MaxPool/AveragePool with 2-D windows and GlobalAveragePool, which become
// MaxPoolNhwc/AveragePoolNhwc/GlobalAveragePoolNhwc), grown forward from the convolutions. A
// region is rewritten when it holds two convolutions, or a convolution and a pool (otherwise the
// transposes would cost what they save): its FusedConvs get channels_last = 1 (X, R and Y NHWC),
// one Transpose (perm 0,2,3,1) is inserted per NCHW value that enters it (activations and
// FusedConv residuals), and one Transpose (0,3,1,2) per region value read outside it or a graph
// output, which keeps its name. Shapes are re-inferred.
Status layout_nhwc(Graph& g, PassStats& stats);
// Structural checks: defined inputs, producers consistent, no cycles (nodes sorted), unique names.
Status verify(const Graph& g);

// Makes the values that subgraph bodies (If/Loop/Scan) read from enclosing scopes explicit: each
// such node gets, after its own inputs, one trailing input per name in subgraph_outer_names(node),
// so the executor passes those tensors to the node's kernel and liveness sees the reads. Bodies
// are processed first, recursively: a body's `outer_refs` is extended with the names its own
// nested bodies read from further out. Nodes are re-sorted (stably) when an implicit read made
// the order invalid. Bodies are copied before they are edited (graph copies share them) and the
// owning node's attributes are parsed again. Run once per graph, before verify() and inference.
Status bind_subgraph_outer_refs(Graph& root);
// The names `node`'s bodies read from enclosing scopes: the union of their `outer_refs`, taking
// the graph attributes in name order and dropping repeats. After bind_subgraph_outer_refs() the
// node's last inputs are exactly these values, in this order.
std::vector<std::string> subgraph_outer_names(const Node& node);

}  // namespace sf::ir
