#pragma once
// What the desktop app keeps about its own views, beside the synced cache: per-chat drafts
// (sealed like message texts), pins and mutes, and the app's settings. Never sent anywhere.
#include "protocol/result.h"

#include <QString>

class QVariant;

namespace tidings::client {

class Database;

class ViewStateStore {
public:
    explicit ViewStateStore(Database &db)
        : m_db(db) {}

    Status setDraft(quint64 conversationId, const QString &text);
    Result<QString> draft(quint64 conversationId) const;
    Status setPinned(quint64 conversationId, bool pinned);
    Status setMuted(quint64 conversationId, bool muted);

    //! A stored setting, or `fallback` when it is missing (or cannot be read).
    QString setting(const QString &key, const QString &fallback = QString()) const;
    Status setSetting(const QString &key, const QString &value);

private:
    Status setPref(quint64 conversationId, const char *column, const QVariant &value);

    Database &m_db;
};

} // namespace tidings::client
