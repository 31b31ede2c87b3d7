// libFuzzer target for the attachment descriptors a client receives inside an end-to-end
// encrypted body (app/core/sync/payload_codec: AttachmentPointer and Content with their checks).
// The first input byte picks the entry point: a lone AttachmentPointer (decodeAttachment, the
// form the store keeps) or a whole Content (decodePayload, a message); the rest is the bytes.
// Checked: whatever is accepted keeps every promise the media code relies on (32-byte key and
// hash, the blob id being the hash in hex, the blob size matching the file size, bounded
// thumbnail, waveform, dimensions and duration, a MIME type that is one, a file name that cannot
// name a directory), and an accepted pointer encoded and decoded again is accepted unchanged.
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under any compiler; see tests/fuzz/CMakeLists.txt.
#include "core/media/file_naming.h"
#include "core/sync/payload_codec.h"
#include "crypto/media_stream.h"
#include "protocol/limits.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace tidings;
using namespace tidings::client;

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_attachment_pointer: %s\n", what);
    std::abort();
}

bool mimeTypeIsOne(const QString &t) {
    if (t.isEmpty() || t.size() > kMaxAttachmentMimeTypeChars || t.count(QLatin1Char('/')) != 1 ||
        t.startsWith(QLatin1Char('/')) || t.endsWith(QLatin1Char('/')))
        return false;
    for (QChar c : t) {
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') ||
                             QStringView(u"/!#$&^_.+-").contains(c);
        if (!allowed)
            return false;
    }
    return true;
}

bool fileNameIsSafe(const QString &n) {
    if (n.isEmpty() || n.toUtf8().size() > media::kMaxFileNameBytes || n == u"." || n == u".." ||
        n.startsWith(QLatin1Char('.')) || n != n.trimmed())
        return false;
    for (char32_t u : n.toUcs4()) {
        if (u == '/' || u == '\\' || u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) ||
            u == 0x202e || u == 0x200b || u == 0x2028 || u == 0x2029)
            return false;
    }
    return true;
}

void checkAccepted(const media::AttachmentDescriptor &a) {
    if (a.key.size() != 32 || a.ciphertextSha256.size() != 32)
        fail("accepted a key or hash that is not 32 bytes");
    if (a.blobId != QString::fromLatin1(a.ciphertextSha256.toHex()))
        fail("accepted a blob id that is not the hash in lower-case hex");
    if (a.chunkSize != crypto::kMediaChunkSize || a.plaintextSize > kMaxAttachmentPlaintextBytes ||
        a.ciphertextSize != crypto::mediaBlobSize(a.plaintextSize))
        fail("accepted sizes that do not fit the blob format");
    if (a.thumbnail.size() > kMaxAttachmentThumbnailBytes ||
        a.waveform.size() > kMaxAttachmentWaveformBytes)
        fail("accepted an oversized thumbnail or waveform");
    if (a.width < 0 || a.height < 0 || a.width > kMaxAttachmentSide ||
        a.height > kMaxAttachmentSide || (a.width == 0) != (a.height == 0))
        fail("accepted dimensions out of bounds");
    if (a.durationMs < 0 || a.durationMs > kMaxAttachmentDurationMs)
        fail("accepted a duration out of bounds");
    if (int(a.kind) < 0 || int(a.kind) > int(media::AttachmentKind::Voice))
        fail("accepted an unknown kind");
    if (!mimeTypeIsOne(a.mimeType))
        fail("accepted a MIME type that is not one");
    if (!fileNameIsSafe(a.fileName))
        fail("accepted an unsafe file name");
}

bool same(const media::AttachmentDescriptor &x, const media::AttachmentDescriptor &y) {
    return x.blobId == y.blobId && x.key == y.key && x.ciphertextSha256 == y.ciphertextSha256 &&
           x.ciphertextSize == y.ciphertextSize && x.plaintextSize == y.plaintextSize &&
           x.chunkSize == y.chunkSize && x.mimeType == y.mimeType && x.fileName == y.fileName &&
           x.kind == y.kind && x.width == y.width && x.height == y.height &&
           x.durationMs == y.durationMs && x.thumbnail == y.thumbnail && x.waveform == y.waveform;
}

void checkStable(const media::AttachmentDescriptor &a) {
    const auto again = decodeAttachment(encodeAttachment(a));
    if (!again)
        fail("an accepted pointer is refused once re-encoded");
    if (!same(a, *again))
        fail("an accepted pointer changes when re-encoded (the checks are not idempotent)");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    // Invalid UTF-8 in string fields makes libprotobuf log a line per input: keep output readable.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size == 0)
        return 0;
    const QByteArray bytes(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    if (data[0] % 2 == 0) {
        const auto a = decodeAttachment(bytes);
        if (!a) {
            if (a.error().code != ErrorCode::BadFrame || a.error().detail.isEmpty())
                fail("a refused pointer without BAD_FRAME and a reason");
            return 0;
        }
        checkAccepted(*a);
        checkStable(*a);
        return 0;
    }
    const auto content = decodePayload(bytes);
    (void)attachmentBlobIds(bytes);
    if (!content)
        return 0;
    if (content->attachments.size() > limits::kMaxAttachmentsPerSend ||
        content->invalidAttachments < 0)
        fail("more attachments than a send may carry, or a negative count of refused ones");
    for (const auto &a : content->attachments) {
        checkAccepted(a);
        checkStable(a);
    }
    // What was accepted goes out again as it came in (a forward re-sends the same pointers).
    const auto again = decodePayload(encodePayload(*content));
    if (!again || again->text != content->text || again->sentAtMs != content->sentAtMs ||
        again->attachments.size() != content->attachments.size() || again->invalidAttachments != 0)
        fail("an accepted content changes when re-encoded");
    return 0;
}
