#pragma once
// A corpus of bad inputs that the robustness suites build themselves under the build tree:
// damaged IDX, CIFAR and CSV files, broken experiment files, TorchScript files that are not
// models, an output folder that cannot be made. tst_bad_input feeds each to alig-train and
// tst_ui_bad_input to the window; both expect a message naming the file or field and the
// problem, and neither may crash or hang.

#include <string>
#include <vector>

namespace alig::test {

struct BadInput {
    std::string name;
    // The experiment file (JSON, or whatever bytes the case needs) under the corpus folder.
    std::string experimentPath;
    // Every fragment must appear in the message, e.g. the file's name and the problem.
    std::vector<std::string> expected;
    // True: the experiment file itself is refused (opening it, parsing it). False: it
    // opens, and the run is refused before training (its data, model or output folder).
    bool badExperiment = false;
};

// Writes the corpus under `root` (emptied first) and returns its cases.
std::vector<BadInput> makeBadInputCorpus(const std::string& root);

} // namespace alig::test
