// conv_tap_sums_rows__avx2_16: the row pass of conv_input_tap_sums with blocks of 16 lanes
// (4 ymm registers of running sums and 4 of |.| sums). Method and bounds in
// conv_tap_sums_impl.hpp; bit-identical to the scalar variant.
#include "abft/conv_tap_sums_impl.hpp"

namespace sf::abft {

void conv_tap_sums_rows__avx2_16(const TapSumsRowsArgs& args) { tap_sums_rows<4, 4>(args); }

}  // namespace sf::abft
