#pragma once
// Typing indicators, both directions. Outgoing: setTyping(conv, true) on every keystroke sends
// typing=true at most once per refreshMs, and typing=false when the user stops (setTyping false,
// or no keystroke for idleStopMs). Incoming: a typing push holds for its expires_in_ms unless
// refreshed; typingChanged(false) fires on expiry, on an explicit stop, on a message from that
// user in that conversation, and when the session ends. Ephemeral: nothing is stored.
#include "core/client_types.h"
#include "core/net/frame_sink.h"

#include <QHash>
#include <QObject>
#include <QPair>
#include <QTimer>

#include <functional>

namespace tidings::client {

class TypingTracker : public QObject {
    Q_OBJECT
public:
    struct Options {
        int refreshMs = 3000;       //!< at most one typing=true per conversation this often
        int idleStopMs = 5000;      //!< no keystroke this long: send typing=false
        int defaultExpiryMs = 5000; //!< when a push carries no expires_in_ms
    };
    //! Milliseconds on a monotonic clock; tests inject their own.
    using Clock = std::function<qint64()>;

    TypingTracker(FrameSink *sink, Options options, Clock clock = {}, QObject *parent = nullptr);

    //! Call on every keystroke with true, and with false when the text was sent or cleared.
    //! Returns true when a frame was sent now.
    bool setTyping(quint64 conversationId, bool typing);
    void handlePush(const wire::TypingPush &push);
    //! A message from `userId` arrived in the conversation: that user is no longer typing.
    void messageFrom(quint64 conversationId, quint64 userId);
    //! The socket is gone: outgoing state resets (the server dropped it) and every incoming
    //! indicator ends.
    void onDisconnected();

    //! Who is typing in a conversation now.
    QList<TypingEvent> typers(quint64 conversationId) const;
    //! Ends expired indicators and sends due stops; runs from timers, public for tests.
    void tick();

signals:
    void typingChanged(const tidings::client::TypingEvent &event);

private:
    struct Outgoing {
        qint64 lastSentMs = 0;
        qint64 lastKeystrokeMs = 0;
    };
    struct Incoming {
        TypingEvent event;
        qint64 expiresAtMs = 0;
    };
    using Key = QPair<quint64, quint64>; //!< (conversation, user)
    static Key key(quint64 conversationId, quint64 userId) { return {conversationId, userId}; }
    bool send(quint64 conversationId, bool typing);
    void reschedule();

    FrameSink *m_sink;
    Options m_options;
    Clock m_clock;
    QHash<quint64, Outgoing> m_outgoing; //!< by conversation
    QHash<Key, Incoming> m_incoming;
    QTimer m_timer;
};

} // namespace tidings::client
