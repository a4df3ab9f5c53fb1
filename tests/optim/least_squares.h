#pragma once
// The small least-squares problem the optimizer suites step through by hand: four samples,
// three weights and a bias, loss 0.5 * mean((A w + b - y)^2). Each suite writes its own
// plain-double loss and gradient beside its reference step; the data and the LibTorch loss
// live here once.

#include <torch/torch.h>

#include <vector>

namespace alig::test {

inline const std::vector<std::vector<double>> kA = {
    {1.0, 2.0, -1.0}, {0.5, -1.5, 2.0}, {-2.0, 0.3, 1.0}, {1.2, 1.1, 0.7}};
inline const std::vector<double> kY = {1.0, -2.0, 0.5, 3.0};

// The loss in LibTorch (float64), for the optimizer under test.
inline torch::Tensor lsLossTorch(const torch::Tensor& w, const torch::Tensor& b) {
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    torch::Tensor a = torch::empty({4, 3}, opts), y = torch::empty({4}, opts);
    for (int i = 0; i < 4; ++i) {
        y[i] = kY[i];
        for (int j = 0; j < 3; ++j)
            a[i][j] = kA[i][j];
    }
    return 0.5 * (a.matmul(w) + b - y).pow(2).mean();
}

inline torch::Tensor tensorOf(const std::vector<double>& v) {
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kFloat64));
}

} // namespace alig::test
