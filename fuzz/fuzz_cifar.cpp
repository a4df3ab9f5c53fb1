// libFuzzer target for the cifar reader: see fuzz_inputs.h for the input's layout.
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    alig::fuzz::initialize();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    alig::fuzz::feedCifar(data, size);
    return 0;
}
