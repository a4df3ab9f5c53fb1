#pragma once
// Optimizers whose weights for evaluation differ from the weights they take gradients at:
// Schedule-Free (gradients at y, evaluation at the average x) and DoG with its polynomial
// iterate averaging (evaluation at the averaged weights). The training loop swaps the
// parameters to the evaluation weights around every evaluation and every checkpoint, and back
// to the training weights before the next step; it asks for this interface, never for a method.

namespace alig::core {

class EvalWeights {
public:
    virtual ~EvalWeights() = default;

    // Puts the evaluation weights into the parameters (a no-op before the first step, or when
    // they are already there). The training weights are kept in the optimizer's state, so a
    // checkpoint taken now restores both.
    virtual void swapToEvalWeights() = 0;
    // Puts the training weights back (a no-op when they are there).
    virtual void swapToTrainWeights() = 0;
    // Whether the parameters hold the evaluation weights now (also after loading a checkpoint
    // that was saved so).
    virtual bool holdsEvalWeights() const = 0;
    // Whether BatchNorm's running statistics must be recomputed at the evaluation weights
    // before evaluating (Schedule-Free: the statistics were gathered at y, not at x).
    virtual bool recomputesBatchNorm() const { return false; }
    // Whether the evaluation weights are other than the training weights (DoG without its
    // averaging evaluates where it trains).
    virtual bool hasOwnEvalWeights() const { return true; }
};

// Swaps to the evaluation weights for its lifetime (nothing when `weights` is null).
class EvalWeightsScope {
public:
    explicit EvalWeightsScope(EvalWeights* weights)
        : m_weights(weights) {
        if (m_weights) m_weights->swapToEvalWeights();
    }
    ~EvalWeightsScope() {
        if (m_weights) m_weights->swapToTrainWeights();
    }
    EvalWeightsScope(const EvalWeightsScope&) = delete;
    EvalWeightsScope& operator=(const EvalWeightsScope&) = delete;

private:
    EvalWeights* m_weights;
};

} // namespace alig::core
