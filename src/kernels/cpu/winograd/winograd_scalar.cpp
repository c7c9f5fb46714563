// winograd_*__scalar: the portable Winograd transforms (no ISA flags), one channel at a time
// (formulas, matrices and expected error in winograd.hpp). The fallback STEADFAST_MAX_ISA=scalar
// forces.
#include "kernels/cpu/winograd/winograd_impl.hpp"

namespace sf::cpu {

SF_WINOGRAD_DEFINE(scalar, wino::VScalar)

}  // namespace sf::cpu
