#include "core/media/media_answer.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

#include <cmath>

namespace tidings::client {

namespace {

//! The largest integer a JSON number (a double) holds exactly.
constexpr double kMaxJsonInteger = 9007199254740992.0; // 2^53

ErrorCode codeForStatus(int status) {
    switch (status) {
    case 400:
        return ErrorCode::BadFrame;
    case 401:
        return ErrorCode::NotAuthenticated;
    case 403:
        return ErrorCode::Forbidden;
    case 404:
        return ErrorCode::NoSuchBlob;
    case 409:
        return ErrorCode::OffsetMismatch;
    case 413:
        return ErrorCode::TooLarge;
    case 422:
        return ErrorCode::HashMismatch;
    case 429:
        return ErrorCode::RateLimited;
    case 507:
        return ErrorCode::StorageFull;
    default:
        return ErrorCode::Internal;
    }
}

//! A JSON count: a whole number from 0 to `max`; nothing for anything else (converting such a
//! double to an unsigned integer would be undefined).
std::optional<quint64> jsonCount(const QJsonValue &v, double max) {
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!(d >= 0.0) || d > max || std::floor(d) != d)
        return std::nullopt;
    return quint64(d);
}

//! Upload-Offset / Upload-Length: decimal digits only.
std::optional<quint64> headerCount(const QByteArray &raw) {
    if (raw.isEmpty() || raw.size() > 19)
        return std::nullopt;
    for (char c : raw) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    return raw.toULongLong();
}

} // namespace

ErrorCode errorCodeFromName(const QString &name) {
    static const QHash<QString, ErrorCode> codes = [] {
        QHash<QString, ErrorCode> out;
        for (int c = 0; c <= 29; ++c)
            out.insert(QString::fromLatin1(errorCodeName(ErrorCode(c))), ErrorCode(c));
        return out;
    }();
    return codes.value(name, ErrorCode::Internal);
}

MediaAnswer parseMediaAnswer(int status, const QByteArray &body,
                             const MediaAnswerHeaders &headers) {
    MediaAnswer a;
    a.status = status;
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    a.upload = json.value(QStringLiteral("upload")).toString();
    a.blob = json.value(QStringLiteral("blob")).toString();
    a.chunk = quint32(jsonCount(json.value(QStringLiteral("chunk")), 4294967295.0).value_or(0));
    if (json.contains(QStringLiteral("offset")))
        a.offset = jsonCount(json.value(QStringLiteral("offset")), kMaxJsonInteger);
    else
        a.offset = headerCount(headers.uploadOffset);
    a.length = headerCount(headers.uploadLength);
    if (status >= 400) {
        const QString name = json.value(QStringLiteral("error")).toString();
        Error e{name.isEmpty() ? codeForStatus(status) : errorCodeFromName(name),
                json.value(QStringLiteral("detail")).toString()};
        if (e.detail.isEmpty())
            e.detail = QStringLiteral("HTTP %1").arg(status);
        if (status == 429) {
            bool ok = false;
            const int seconds = headers.retryAfter.toInt(&ok);
            e.retryAfterMs = ok && seconds > 0 ? quint32(std::min(seconds, 3600)) * 1000 : 0;
        }
        a.error = std::move(e);
    }
    return a;
}

} // namespace tidings::client
