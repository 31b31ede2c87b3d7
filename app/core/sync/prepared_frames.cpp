#include "core/sync/prepared_frames.h"

namespace tidings::client {

QByteArray encodePreparedSend(const PreparedSend &prepared) {
    // u32 count, then count × (u32 length, SendRequest); the message is the last one.
    QByteArray out;
    auto put = [&out](const wire::SendRequest &r) {
        const std::string bytes = r.SerializeAsString();
        const quint32 n = quint32(bytes.size());
        const char len[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
        out.append(len, 4).append(bytes.data(), qsizetype(bytes.size()));
    };
    const quint32 count = quint32(prepared.before.size() + 1);
    const char head[4] = {char(count >> 24), char(count >> 16), char(count >> 8), char(count)};
    out.append(head, 4);
    for (const auto &r : prepared.before)
        put(r);
    put(prepared.message);
    return out;
}

std::optional<PreparedSend> decodePreparedSend(const QByteArray &bytes) {
    qsizetype at = 0;
    auto u32 = [&](quint32 &v) {
        if (bytes.size() - at < 4)
            return false;
        const auto *p = reinterpret_cast<const uchar *>(bytes.constData() + at);
        v = quint32(p[0]) << 24 | quint32(p[1]) << 16 | quint32(p[2]) << 8 | quint32(p[3]);
        at += 4;
        return true;
    };
    quint32 count = 0;
    if (!u32(count) || count == 0 || count > 64)
        return std::nullopt;
    QList<wire::SendRequest> all;
    for (quint32 i = 0; i < count; ++i) {
        quint32 n = 0;
        if (!u32(n) || qsizetype(n) > bytes.size() - at)
            return std::nullopt;
        wire::SendRequest r;
        if (!r.ParseFromArray(bytes.constData() + at, int(n)))
            return std::nullopt;
        at += n;
        all.append(std::move(r));
    }
    if (at != bytes.size())
        return std::nullopt;
    PreparedSend out;
    out.message = all.takeLast();
    out.before = std::move(all);
    return out;
}

} // namespace tidings::client
