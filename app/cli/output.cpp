#include "cli/output.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

namespace tidings::cli {

namespace {
QString quoted(const QString &s) {
    // QJsonDocument escapes correctly (quotes, control characters, non-BMP text).
    const QByteArray json = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.mid(1, json.size() - 2));
}
} // namespace

int exitCodeFor(const Error &error) {
    switch (error.code) {
    case ErrorCode::None:
        return kExitOk;
    case ErrorCode::Usage:
        return kExitUsage;
    case ErrorCode::Network:
    case ErrorCode::Timeout:
        return kExitNetwork;
    case ErrorCode::Storage:
        return kExitStorage;
    default:
        return kExitServer;
    }
}

JsonLine &JsonLine::raw(const char *key, const QString &json) {
    m_parts.append(quoted(QString::fromUtf8(key)) + u':' + json);
    return *this;
}

JsonLine &JsonLine::add(const char *key, const QString &value) {
    return raw(key, quoted(value));
}
JsonLine &JsonLine::add(const char *key, qint64 value) {
    return raw(key, QString::number(value));
}
JsonLine &JsonLine::add(const char *key, bool value) {
    return raw(key, value ? QStringLiteral("true") : QStringLiteral("false"));
}
JsonLine &JsonLine::addNull(const char *key) {
    return raw(key, QStringLiteral("null"));
}

JsonLine &JsonLine::addArray(const char *key, const QList<JsonLine> &items) {
    QStringList parts;
    for (const JsonLine &item : items)
        parts.append(item.toString());
    return raw(key, u'[' + parts.join(u',') + u']');
}

QString JsonLine::toString() const {
    return u'{' + m_parts.join(u',') + u'}';
}

void JsonLine::print() const {
    const QByteArray line = toString().toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

void printError(const Error &error) {
    const QByteArray line = "error: " + error.toString().toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace tidings::cli
