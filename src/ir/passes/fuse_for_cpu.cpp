// fuse_for_cpu: the CPU fusion pipeline. Order matters: BatchNormalization folds into the Conv
// before the Conv becomes a FusedConv, and so does a zero Pad (into its pads); the patterns go
// before fuse_matmul so that attention's MatMuls become an Attention (not two FusedMatMuls) and
// a recognised Gelu is absorbed as a FusedMatMul activation.
#include "ir/passes/passes.hpp"

namespace sf::ir {

Status fuse_for_cpu(Graph& g, const FuseOptions& opts, PassStats& stats) {
  if (opts.fold_batchnorm) SF_TRY(fold_batchnorm(g, stats));
  if (opts.fold_pad) SF_TRY(fold_pad(g, stats));
  if (opts.patterns) SF_TRY(fuse_patterns(g, stats));
  if (opts.conv) SF_TRY(fuse_conv(g, stats));
  if (opts.matmul) SF_TRY(fuse_matmul(g, stats));
  return verify(g);
}

}  // namespace sf::ir
