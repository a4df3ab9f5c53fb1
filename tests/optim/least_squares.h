#pragma once
// The small least-squares problem the optimizer suites step through by hand: four samples,
// three weights and a bias, loss 0.5 * mean((A w + b - y)^2). The data, the LibTorch loss and
// the plain-double loss on the flat vector (w0, w1, w2, b) live here once.

#include <torch/torch.h>

#include <vector>

namespace alig::test {

inline const std::vector<std::vector<double>> kA = {
    {1.0, 2.0, -1.0}, {0.5, -1.5, 2.0}, {-2.0, 0.3, 1.0}, {1.2, 1.1, 0.7}};
inline const std::vector<double> kY = {1.0, -2.0, 0.5, 3.0};

// The loss in LibTorch, in the parameters' dtype, for the optimizer under test.
inline torch::Tensor lsLossTorch(const torch::Tensor& w, const torch::Tensor& b) {
    auto opts = torch::TensorOptions().dtype(w.scalar_type());
    torch::Tensor a = torch::empty({4, 3}, opts), y = torch::empty({4}, opts);
    for (int i = 0; i < 4; ++i) {
        y[i] = kY[i];
        for (int j = 0; j < 3; ++j)
            a[i][j] = kA[i][j];
    }
    return 0.5 * (a.matmul(w) + b - y).pow(2).mean();
}

// The loss and its gradient at x = (w0, w1, w2, b), in plain doubles: the references work on
// this one flat vector, which is exact for methods that are elementwise or sum over all
// parameters.
inline double lsLossFlat(const std::vector<double>& x, std::vector<double>* g) {
    double loss = 0.0;
    if (g) *g = std::vector<double>(4, 0.0);
    const double n = static_cast<double>(kY.size());
    for (size_t i = 0; i < kY.size(); ++i) {
        double r = x[3] - kY[i];
        for (int j = 0; j < 3; ++j)
            r += kA[i][j] * x[j];
        loss += 0.5 * r * r / n;
        if (g) {
            for (int j = 0; j < 3; ++j)
                (*g)[j] += r * kA[i][j] / n;
            (*g)[3] += r / n;
        }
    }
    return loss;
}

inline torch::Tensor tensorOf(const std::vector<double>& v) {
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kFloat64));
}

} // namespace alig::test
