#pragma once
// The CLI's output contract: one compact JSON object per line on stdout (keys in the documented
// order), one "error: CODE: detail" line on stderr, and distinct exit codes per error class.
#include "protocol/result.h"

#include <QString>
#include <QStringList>

namespace tidings::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitUsage = 2,
    kExitServer = 3,
    kExitNetwork = 4,
    kExitStorage = 5,
};

int exitCodeFor(const Error &error);

//! Builds one JSON object with keys in insertion order.
class JsonLine {
public:
    JsonLine &add(const char *key, const QString &value);
    JsonLine &add(const char *key, const char *value) { return add(key, QString::fromUtf8(value)); }
    JsonLine &add(const char *key, qint64 value);
    JsonLine &add(const char *key, quint64 value) { return add(key, qint64(value)); }
    JsonLine &add(const char *key, int value) { return add(key, qint64(value)); }
    JsonLine &add(const char *key, bool value);
    JsonLine &addNull(const char *key);
    //! A string, or null when it is empty.
    JsonLine &addOrNull(const char *key, const QString &value) {
        return value.isEmpty() ? addNull(key) : add(key, value);
    }
    //! An array of objects, each keeping its key order.
    JsonLine &addArray(const char *key, const QList<JsonLine> &items);
    //! A nested object, keeping its key order.
    JsonLine &addObject(const char *key, const JsonLine &object) {
        return raw(key, object.toString());
    }
    QString toString() const;
    //! Writes the line to stdout and flushes, so a reader sees each line as it happens.
    void print() const;

private:
    JsonLine &raw(const char *key, const QString &json);
    QStringList m_parts;
};

void printError(const Error &error);

} // namespace tidings::cli
