#pragma once
// Reader for SVHN (Street View House Numbers) in its "Format 2: cropped digits" form:
// train_32x32.mat and test_32x32.mat, MATLAB level-5 MAT-files holding X (uint8,
// 32x32x3xN, column-major) and y (N x 1, labels 1..10 where 10 is the digit 0). Used by
// loadDataset() for the kind svhn.

#include "core/data/dataset.h"

#include <string>

namespace alig::core {

// Reads SVHN from dir or its subfolder svhn: images float32 [N, 3, 32, 32] in [0, 1]
// (row r, column c of channel ch at [n][ch][r][c]), labels int64 in 0..9 (the file's
// label 10 becomes 0), class names "0".."9". Reads compressed and uncompressed v5
// MAT-files; v7.3 (HDF5) files are refused with a message saying so. Not normalised or
// subset. Throws alig::core::Error naming the file and the problem.
Dataset readSvhn(const std::string& dir);

} // namespace alig::core
