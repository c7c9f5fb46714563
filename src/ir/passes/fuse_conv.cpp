// fuse_conv: every float32 Conv becomes a FusedConv (same attributes, NCHW), which then absorbs
// a following residual Add and activation (absorb_epilogue). The bias stays the Conv's input B
// (fold_batchnorm has already folded BatchNormalization into it).
#include "ir/passes/fuse_util.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

Status fuse_conv(Graph& g, PassStats& stats) {
  if (fuse::has_subgraphs(g)) return Status::ok();
  fuse::Rewriter rw(g);
  for (size_t i = 0; i < rw.size(); ++i) {
    if (rw.dead(i)) continue;
    const Node& n = rw.node(i);
    if (n.op != OpKind::kConv || n.outputs.size() != 1 || !fuse::is_f32(g, n.inputs[0]) ||
        !fuse::is_f32(g, n.inputs[1]))
      continue;
    SF_ASSIGN_OR_RETURN(
        Node f, fuse::make_node(OpKind::kFusedConv, n.name, 1, n.inputs, n.outputs, n.raw_attrs));
    rw.replace(i, std::move(f));
    ++stats.convs_fused;
    SF_TRY(fuse::absorb_epilogue(rw, i, stats));
  }
  rw.finish();
  return Status::ok();
}

}  // namespace sf::ir
