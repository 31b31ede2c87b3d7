#pragma once
// What the admin API (admin_service.h) reads and writes in the database: users as an admin sees
// them, disabling, deleting and resetting them, invite codes, and the run-time settings. Only
// the server runs these statements; the admin's tools go through the admin API (never the
// database behind the server's back).
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace tidings::server {

class PgPool;

struct AdminUser {
    quint64 id = 0;
    QString username;
    QString displayName;
    qint64 createdMs = 0;
    bool disabled = false;
    int devices = 0;       //!< not revoked
    qint64 lastSeenMs = 0; //!< the latest of its devices; 0: never
};

//! A user whose devices an admin action logged out (reset password, delete).
struct LoggedOut {
    quint64 userId = 0;
    std::vector<quint64> devices;
    std::vector<quint64> conversations = {}; //!< deleteUser: the ones the user was a member of
};

struct InviteRow {
    quint64 id = 0;
    QString note;
    int usesLeft = 0;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
};

class PgAdminStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    explicit PgAdminStore(PgPool &pool)
        : m_pool(pool) {}

    //! Users whose name or display name contains `search` (all when empty), by name.
    void users(const QString &search, int limit, int offset, Callback<std::vector<AdminUser>> cb);
    //! The new user's id; nothing: the name is taken.
    void createUser(const QString &username, const QString &displayName,
                    const QByteArray &passwordHash, Callback<std::optional<quint64>> cb);
    //! The user's id; nothing: no such user.
    void setDisabled(const QString &username, bool disabled, Callback<std::optional<quint64>> cb);
    //! Sets the password and logs every device out (revoked, tokens and one-time keys gone).
    void resetPassword(const QString &username, const QByteArray &passwordHash,
                       Callback<std::optional<LoggedOut>> cb);
    //! Deletes the user and what is only theirs (devices, keys, memberships, profile); messages
    //! they sent stay in their conversations.
    void deleteUser(const QString &username, Callback<std::optional<LoggedOut>> cb);

    void createInvite(const QByteArray &codeHash, const QString &note, int uses, qint64 expiresMs,
                      Callback<quint64> cb);
    //! Invites with uses left that have not expired.
    void invites(Callback<std::vector<InviteRow>> cb);
    //! False: no such invite.
    void revokeInvite(quint64 id, Callback<bool> cb);

    void settings(Callback<QHash<QString, QString>> cb);
    //! Stores every (key, value) in one statement: all of them or none.
    void setSettings(const QList<std::pair<QString, QString>> &values, Callback<bool> cb);

private:
    PgPool &m_pool;
};

} // namespace tidings::server
