// conv_tap_sums_rows__avx512_32: the row pass of conv_input_tap_sums with blocks of 32 lanes
// (4 zmm registers of running sums and 4 of |.| sums). Method and bounds in
// conv_tap_sums_impl.hpp; bit-identical to the scalar variant.
#include "abft/conv_tap_sums_impl.hpp"

namespace sf::abft {

void conv_tap_sums_rows__avx512_32(const TapSumsRowsArgs& args) { tap_sums_rows<8, 4>(args); }

}  // namespace sf::abft
