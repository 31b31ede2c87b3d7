// libFuzzer target for the two places the client reads a JPEG of the user's before sending it
// (app/core/media): jpeg_scan's segment walk (is the file complete up to its end-of-image
// marker?) and jpeg_decode's decoding at a DCT scale with libjpeg-turbo (its error handling
// through setjmp/longjmp, the ICC profile, the scale arithmetic). Photos come from anywhere: a
// damaged or hostile file must give "not complete" or a null image, never a crash or a read out
// of bounds. Checked: the scan reads at most the whole input; a decoded image fits the asked long
// side and the pixel budget. The first input byte picks the long side (1..2560).
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under any compiler; see tests/fuzz/CMakeLists.txt.
#include "core/media/jpeg_decode.h"
#include "core/media/jpeg_scan.h"

#include <QBuffer>
#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_jpeg: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 2)
        return 0;
    const int longSide = 1 + int(data[0]) * 10; // 1 .. 2551
    QByteArray bytes(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    QBuffer device(&bytes);
    device.open(QIODevice::ReadOnly);
    (void)tidings::client::media::jpegIsComplete(device);
    if (device.pos() > bytes.size())
        fail("the scan read past the input");
    // A small pixel budget keeps each run fast; a large image is then refused, as it must be.
    constexpr qint64 kMaxBytes = 16 << 20;
    const QImage image = tidings::client::media::decodeJpegToFit(bytes, longSide, kMaxBytes);
    if (!image.isNull()) {
        if (std::max(image.width(), image.height()) > longSide)
            fail("a decoded image larger than the long side asked for");
        if (qint64(image.width()) * image.height() * 4 > kMaxBytes)
            fail("a decoded image beyond the pixel budget");
    }
    return 0;
}
