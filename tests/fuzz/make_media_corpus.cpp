// Writes the seed corpora of the media fuzz targets:
//   corpus_attachment_pointer/: AttachmentPointers and Contents (first byte: 0 pointer, 1 content)
//     as a client sends them: a file, a photo with a thumbnail, a voice note with a waveform, a
//     caption with two files, and refused ones (a blob id that is not the hash, a short key,
//     a file name with a path, a MIME type with parameters);
//   corpus_media_request/: one input per parser of fuzz_media_request.cpp (first byte: 0 counts
//     and hashes, 1 Authorization/Upgrade, 2 the front door, 3 the client's reading of answers,
//     4 the answer heads of ChunkUploads).
//
//   tidings_fuzz_make_media_corpus tests/fuzz
#include "core/sync/payload_codec.h"
#include "crypto/media_stream.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>

#include <cstdio>

using namespace tidings;
using namespace tidings::client;

namespace {

bool write(const QString &dir, const QString &name, const QByteArray &bytes) {
    QFile f(dir + u'/' + name);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size()) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(f.fileName()));
        return false;
    }
    return true;
}

media::AttachmentDescriptor pointer(const QByteArray &seed, quint64 size, const QString &name,
                                    const QString &type, media::AttachmentKind kind) {
    media::AttachmentDescriptor a;
    a.key = QCryptographicHash::hash(seed + "key", QCryptographicHash::Sha256);
    a.ciphertextSha256 = QCryptographicHash::hash(seed, QCryptographicHash::Sha256);
    a.blobId = QString::fromLatin1(a.ciphertextSha256.toHex());
    a.plaintextSize = size;
    a.ciphertextSize = crypto::mediaBlobSize(size);
    a.chunkSize = crypto::kMediaChunkSize;
    a.fileName = name;
    a.mimeType = type;
    a.kind = kind;
    return a;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s TESTS_FUZZ_DIR\n", argv[0]);
        return 2;
    }
    const QString root = QString::fromLocal8Bit(argv[1]);
    const QString att = root + QStringLiteral("/corpus_attachment_pointer");
    const QString req = root + QStringLiteral("/corpus_media_request");
    if (!QDir().mkpath(att) || !QDir().mkpath(req))
        return 1;
    bool ok = true;

    auto file = pointer("a", 3 * 1024 * 1024 + 5, QStringLiteral("report.pdf"),
                        QStringLiteral("application/pdf"), media::AttachmentKind::File);
    auto photo = pointer("b", 812345, QStringLiteral("lake.jpg"), QStringLiteral("image/jpeg"),
                         media::AttachmentKind::Image);
    photo.width = 1600;
    photo.height = 1200;
    photo.thumbnail = QByteArray::fromHex("ffd8ffe000104a46494600010100000100010000ffd9");
    auto voice = pointer("c", 48000, QStringLiteral("voice note.ogg"), QStringLiteral("audio/ogg"),
                         media::AttachmentKind::Voice);
    voice.durationMs = 4200;
    voice.waveform = QByteArray("\x00\x10\x40\x80\xff\x80\x40\x10\x00", 9);
    auto notHash = file;
    notHash.blobId = QString(64, u'e');
    auto shortKey = file;
    shortKey.key.chop(1);
    auto path = file;
    path.fileName = QStringLiteral("../../.ssh/authorized_keys\u202egpj.exe");
    auto params = photo;
    params.mimeType = QStringLiteral("Image/JPEG; charset=binary");
    const QList<QPair<QString, media::AttachmentDescriptor>> pointers{
        {"file", file},          {"photo", photo},    {"voice", voice},       {"not_hash", notHash},
        {"short_key", shortKey}, {"path_name", path}, {"mime_params", params}};
    for (const auto &[name, p] : pointers)
        ok &= write(att, QStringLiteral("pointer_%1.bin").arg(name), '\0' + encodeAttachment(p));
    MessageContent two(QStringLiteral("two files for you"), 1700000000000);
    two.attachments = {file, photo};
    ok &= write(att, QStringLiteral("content_two.bin"), '\1' + encodePayload(two));
    MessageContent mixed(QString(), 1700000000001);
    mixed.attachments = {voice, notHash, path};
    ok &= write(att, QStringLiteral("content_mixed.bin"), '\1' + encodePayload(mixed));

    const QList<QPair<QString, QByteArray>> requests{
        {"count", QByteArray("\0\0", 2) + "4194304"},
        {"count_long", QByteArray("\0\0", 2) + "18446744073709551615"},
        {"sha", QByteArray("\0\0", 2) +
                    "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"},
        {"bearer", QByteArray("\1\0", 2) + "Bearer  dG9rZW4tYnl0ZXM.c2lnbmF0dXJl \t"},
        {"upgrade", QByteArray("\1\0", 2) + "h2c, WebSocket"},
        {"door_ws", QByteArray("\2\5", 2) + "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                            "Connection: Upgrade\r\n\r\n"},
        {"door_media", QByteArray("\2\3", 2) + "GET /media/v1/blobs/ab HTTP/1.1\r\n"},
        {"door_mixed", QByteArray("\2\1", 2) + "GET / HTTP/1.1\nUpgrade: websocket\n\n"},
        {"answer_created", QByteArray("\3\0\x65", 3) + "0\n\n\n{\"upload\":\"abc\","
                                                       "\"chunk\":4194304,\"offset\":0}"},
        {"answer_409", QByteArray("\3\x01\x35", 3) + "7290880\n\n\n{\"error\":\"OFFSET_MISMATCH\","
                                                     "\"detail\":\"expected\",\"offset\":7290880}"},
        {"answer_429", QByteArray("\3\x01\x49", 3) + "\n\n2\n{\"error\":\"RATE_LIMITED\"}"},
        {"answer_bad_numbers", QByteArray("\3\0\x64", 3) + "-1\n+5\n\n{\"offset\":-1,"
                                                           "\"chunk\":1e300}"},
        {"head_204", QByteArray("\4\7", 2) + "HTTP/1.1 204 No Content\r\nUpload-Offset: 4194304"
                                             "\r\nContent-Length: 0\r\n\r\n"},
        {"head_continue", QByteArray("\4\3", 2) + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 409 "
                                                  "Conflict\r\nConnection: close\r\n\r\n{}"},
        {"head_bad", QByteArray("\4\1", 2) + "HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n"
                                             "Content-Length: 6\r\n\r\n"}};
    for (const auto &[name, bytes] : requests)
        ok &= write(req, name + QStringLiteral(".bin"), bytes);
    return ok ? 0 : 1;
}
