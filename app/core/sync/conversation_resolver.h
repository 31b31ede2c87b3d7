#pragma once
// Learns what a conversation first seen in a push is: asks the server (group_info_request, at
// most one in flight per conversation and socket session) and stores kind, name and members; a
// NOT_A_GROUP answer makes it a 1:1. On a new session every conversation still unknown is asked
// about again.
#include "core/net/frame_sink.h"
#include "core/store/records.h"

#include <QObject>
#include <QSet>

#include <functional>

namespace tidings::client {

class Storage;

class ConversationResolver : public QObject {
    Q_OBJECT
public:
    //! `me` must outlive this object; `answered` runs after each answer (idle check).
    ConversationResolver(Storage *store, FrameSink *sink, const AccountSettings &me,
                         std::function<void()> answered, QObject *parent = nullptr);

    void request(quint64 conversationId);
    //! Asks about every conversation whose kind is still unknown.
    void resolveUnknown();
    bool isPending(quint64 conversationId) const { return m_pending.contains(conversationId); }
    int pendingCount() const { return int(m_pending.size()); }
    //! The socket changed: answers to earlier requests are ignored.
    void reset();

signals:
    void conversationChanged(quint64 conversationId);
    void storageFailed(const tidings::Error &error);

private:
    Storage *m_store;
    FrameSink *m_sink;
    const AccountSettings &m_me;
    std::function<void()> m_answered;
    quint64 m_session = 0;
    QSet<quint64> m_pending;
};

} // namespace tidings::client
