#pragma once
// Presence, privacy and typing: the users whose online state I watch (renewed on every fresh
// socket, since the server keeps subscriptions per connection), who may see my last seen, and
// typing indicators both ways (TypingTracker).
#include "core/client_types.h"
#include "core/net/requester.h"
#include "core/presence/typing_tracker.h"

#include <QObject>
#include <QStringList>

namespace tidings::client {

class Presence : public QObject {
    Q_OBJECT
public:
    using PresenceHandler = std::function<void(Result<QList<PresenceInfo>>)>;
    using StatusHandler = std::function<void(Status)>;

    Presence(Requester *requests, TypingTracker::Options typing, QObject *parent = nullptr);

    //! Replaces the subscription set (e.g. the open chats, at most 100); it is renewed after
    //! every reconnect. Changes arrive as presenceChanged. Retried after a reconnect.
    void subscribe(const QStringList &usernames, PresenceHandler done);
    //! Who may see my last seen and online state. Not retried.
    void setPrivacy(Visibility lastSeen, StatusHandler done);
    //! Call with true on every keystroke (throttled to one frame per 3 s) and false when the
    //! text was sent or cleared. Nothing happens offline.
    void setTyping(quint64 conversationId, bool typing);
    //! Who is typing in a conversation now.
    QList<TypingEvent> typers(quint64 conversationId) const;
    TypingTracker *typing() const { return m_typing; }

    //! A session started: the subscription is renewed (its answer reports the current state).
    void onAuthenticated();
    //! The socket is gone: every typing indicator ends.
    void onDisconnected();
    //! Messages arrived: their senders stopped typing there.
    void onMessages(quint64 conversationId, const QList<tidings::client::MessageRecord> &messages);
    void handlePresencePush(const wire::PresencePush &push);
    void handleTypingPush(const wire::TypingPush &push);

signals:
    void presenceChanged(const tidings::client::PresenceInfo &presence);
    void typingChanged(const tidings::client::TypingEvent &event);

private:
    Requester *m_requests;
    TypingTracker *m_typing;
    QStringList m_subscription;
};

} // namespace tidings::client
