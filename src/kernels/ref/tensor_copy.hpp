// Reference data-movement kernels. Elements are opaque: `esize` bytes each, copied bit-exactly
// with no arithmetic, so one kernel serves every dtype. Strides and offsets are in elements.
//
//   copy_strided: for every index (i_0..i_{r-1}) of `shape`,
//                 dst[sum_d i_d * dst_strides[d]] = src[sum_d i_d * src_strides[d]].
//                 Strides may be 0 (broadcast, Expand/Tile) or negative (Slice with step < 0);
//                 Transpose, Slice, Expand, Tile, Concat, Split, DepthToSpace and SpaceToDepth are
//                 all this one loop with different strides.
//   pad_map:      dst (row-major over dst_shape) element (o_d) = src[sum_d maps[d][o_d] *
//                 src_strides[d]], or `value` when any maps[d][o_d] is -1 (Pad in every mode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sf::ref {

void copy_strided(void* dst, const std::vector<int64_t>& dst_strides, const void* src,
                  const std::vector<int64_t>& src_strides, const std::vector<int64_t>& shape,
                  size_t esize);

// Contiguous row-major destination.
void copy_strided(void* dst, const void* src, const std::vector<int64_t>& src_strides,
                  const std::vector<int64_t>& shape, size_t esize);

// Writes the `esize`-byte pattern `value` to n consecutive elements.
void fill_elements(void* dst, int64_t n, const void* value, size_t esize);

void pad_map(void* dst, const std::vector<int64_t>& dst_shape, const void* src,
             const std::vector<int64_t>& src_strides, const std::vector<std::vector<int64_t>>& maps,
             const void* value, size_t esize);

// dst[o, j, i] = src[o, idx[j], i] for o < outer, j < n_idx, i < inner (Gather; also Compress
// with the kept positions as indices). Indices are already normalised into [0, axis_dim).
void gather_blocks(void* dst, const void* src, int64_t outer, int64_t axis_dim, int64_t inner,
                   const int64_t* idx, int64_t n_idx, size_t esize);

}  // namespace sf::ref
