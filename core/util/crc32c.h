#pragma once
// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as TensorFlow's record files
// frame their records with it. Debian packages no CRC-32C library for C++ that LibTorch
// does not already hide, so it is a table here; the TensorBoard event writer uses it.

#include <cstddef>
#include <cstdint>

namespace alig::core {

// The CRC-32C of `size` bytes ("123456789" gives 0xE3069283, RFC 3720's check value).
uint32_t crc32c(const void* data, size_t size);

// TensorFlow's masked CRC (a CRC of bytes that hold CRCs would be weak): the CRC rotated
// right by 15 bits plus 0xA282EAD8.
uint32_t maskedCrc32c(const void* data, size_t size);

} // namespace alig::core
