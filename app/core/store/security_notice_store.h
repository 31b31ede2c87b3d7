#pragma once
// "Security code changed" notices (issue 12: key changes are loud and lasting). When a
// contact's account key changes, every conversation with them (the 1:1 and each group they are
// in) gets a notice placed after the last message shown there at that moment. They are this
// device's own history (the server knows nothing of them): they survive restarts and are shown
// in place by the message view, between the messages around them.
#include "core/store/records.h"
#include "protocol/result.h"

namespace tidings::client {

class Database;

struct SecurityNotice {
    //! What happened (security_notices.kind).
    static constexpr int kKeyChanged = 0;        //!< the user's account key changed (unchained)
    static constexpr int kKeySucceeded = 1;      //!< their old key handed on (a device removed)
    static constexpr int kKeyRecovered = 2;      //!< their recovery key handed on
    static constexpr int kServerOnlyMember = 10; //!< the server counts a member no admin added
    static constexpr int kGroupForked = 12;      //!< a member was shown another member list
    qint64 id = 0;
    quint64 conversationId = 0;
    quint64 afterSeq = 0; //!< shown after this message (0: before the first)
    quint64 userId = 0;   //!< whose key changed
    QString username;
    qint64 atMs = 0;
    int kind = kKeyChanged;
};

class SecurityNoticeStore {
public:
    explicit SecurityNoticeStore(Database &db)
        : m_db(db) {}

    //! A notice in every conversation with `userId` (1:1 peer or group member); returns those
    //! conversations.
    Result<QList<quint64>> add(quint64 userId, const QString &username, qint64 atMs,
                               int kind = SecurityNotice::kKeyChanged);
    //! A notice of `kind` about `userId` in one conversation, placed after its last shown
    //! message; nothing when that conversation has one of that kind about that user already.
    //! Returns whether one was added.
    Result<bool> addOnce(quint64 conversationId, int kind, quint64 userId, const QString &username,
                         qint64 atMs);
    //! The notices of a conversation placed after a seq in [fromSeq, toSeq], by seq, then in the
    //! order they were made.
    Result<QList<SecurityNotice>> between(quint64 conversationId, quint64 fromSeq,
                                          quint64 toSeq) const;
    //! All notices of a conversation (the command line's history).
    Result<QList<SecurityNotice>> all(quint64 conversationId) const;

    //! A notice as the message view and the command line show it: a system event of kind
    //! SecurityCodeChanged, row id -id (never a message's), seq 0 (never matched as a message).
    static MessageRecord asMessage(const SecurityNotice &notice);

private:
    Database &m_db;
};

} // namespace tidings::client
