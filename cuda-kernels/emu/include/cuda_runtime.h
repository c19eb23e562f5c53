// Stands in for the CUDA runtime header when a .cu file is compiled as host C++ for the emulated
// device (cuda-kernels/emu/build.sh puts this directory first on the include path).
#pragma once
#include "../cudaemu.hpp"
