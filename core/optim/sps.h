#pragma once
// SPS_max shares the Polyak step's implementation (core/optim/polyak.h): SpsMax, SpsOptions.
#include "core/optim/polyak.h"
