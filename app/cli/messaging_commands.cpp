// send and receive: the two commands that move messages.
#include "cli/commands.h"

#include "cli/media_commands.h"
#include "cli/output.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"

namespace tidings::cli {

using client::Client;

// --- send ------------------------------------------------------------------------------------

JsonLine messageLine(const client::MessageRecord &m, const client::ConversationRecord *c) {
    JsonLine line;
    const bool group = c && c->isGroup();
    if (m.event) {
        const client::SystemEvent &e = *m.event;
        line.add("conversation", m.conversationId).add("group", m.conversationId);
        line.add("seq", m.seq).add("event", client::systemEventName(e.kind));
        line.addOrNull("actor", e.actorUsername).addOrNull("target", e.targetUsername);
        line.addOrNull("name", e.name);
        // Groups with signed state: what this device made of the event (verified, pending,
        // refused with why, replayed); absent for groups without one.
        switch (e.check) {
        case client::EventCheck::Unsigned:
            break;
        case client::EventCheck::Verified:
            line.add("check", "verified");
            break;
        case client::EventCheck::Pending:
            line.add("check", "pending");
            break;
        case client::EventCheck::Refused:
            line.add("check", "refused").add("refusal", e.refusal);
            break;
        case client::EventCheck::Replayed:
            line.add("check", "replayed");
            break;
        }
        return line;
    }
    line.add("id", m.clientMessageId).add("conversation", m.conversationId);
    if (group)
        line.add("group", m.conversationId);
    line.add("from", m.senderUsername);
    if (m.seq == 0)
        line.addNull("seq");
    else
        line.add("seq", m.seq);
    if (m.undecryptable) {
        // Never dropped silently: the line says what happened (a resend was asked for).
        line.addNull("text").add("undecryptable", true);
        if (m.tampered) // moved here from another conversation or message by the server
            line.add("tampered", true);
    } else {
        line.add("text", m.text);
    }
    line.add("sent_at", m.sentAtMs);
    // Tidings sends one file per message; a message from elsewhere may carry more.
    if (!m.attachments.isEmpty())
        line.addObject("attachment", attachmentJson(m.attachments.first()));
    if (m.attachments.size() > 1) {
        QList<JsonLine> all;
        for (const client::AttachmentRecord &a : m.attachments)
            all.append(attachmentJson(a));
        line.addArray("attachments", all);
    }
    return line;
}

SendCommand::SendCommand(Profile *p, GlobalOptions g, QString username, QString text, int count,
                         QString prefix, int timeoutMs, quint64 groupId, int intervalMs)
    : Command(p, std::move(g))
    , m_username(std::move(username))
    , m_groupId(groupId)
    , m_text(std::move(text))
    , m_count(count)
    , m_prefix(std::move(prefix))
    , m_timeoutMs(timeoutMs)
    , m_intervalMs(intervalMs) {
    m_timeout.setSingleShot(true);
    m_pace.setTimerType(Qt::PreciseTimer);
    connect(&m_pace, &QTimer::timeout, this, &SendCommand::sendNext);
}

void SendCommand::start() {
    m_elapsed.start();
    connect(&m_timeout, &QTimer::timeout, this, [this] { complete(true); });
    m_timeout.start(m_timeoutMs);
    connect(&client()->messaging(), &client::Messaging::messageStored, this,
            &SendCommand::onStored);
    connect(&client()->messaging(), &client::Messaging::sendFailed, this, &SendCommand::onFailed);
    if (auto s = startSession(); !s) {
        fail(s.error());
        return;
    }
    if (m_groupId != 0) {
        enqueue(m_groupId); // the server refuses it (NOT_MEMBER) if it is not my group
        return;
    }
    // Offline-first: a conversation known locally is used at once; the outbox carries the
    // messages until a session is up.
    auto known = store()->conversations().conversationWithPeer(m_username);
    if (!known) {
        fail(known.error());
        return;
    }
    if (known->has_value()) {
        enqueue((*known)->id);
        return;
    }
    client()->messaging().openDirect(m_username, [this](Result<client::ConversationRecord> r) {
        if (!r)
            fail(r.error());
        else
            enqueue(r->id);
    });
}

void SendCommand::enqueue(quint64 conversationId) {
    if (isFinished())
        return;
    m_conversationId = conversationId;
    if (bulk() && m_intervalMs > 0) {
        sendNext(); // the others follow once it is stored (onStored)
        return;
    }
    QStringList texts;
    if (bulk()) {
        texts.reserve(m_count);
        for (int i = 1; i <= m_count; ++i)
            texts.append(QStringLiteral("%1-%2").arg(m_prefix).arg(i));
    } else {
        texts.append(m_text);
    }
    auto ids = client()->messaging().sendTexts(conversationId, texts);
    if (!ids) {
        fail(ids.error());
        return;
    }
    m_sent = int(ids->size());
    m_pending = QSet<QString>(ids->begin(), ids->end());
    if (!bulk())
        m_lastId = ids->first();
}

void SendCommand::sendNext() {
    auto id = client()->messaging().sendText(m_conversationId,
                                             QStringLiteral("%1-%2").arg(m_prefix).arg(m_next++));
    if (!id) {
        fail(id.error());
        return;
    }
    ++m_sent;
    m_pending.insert(*id);
    if (allSent())
        m_pace.stop();
}

void SendCommand::onStored(const QString &id, quint64, quint64 seq, bool duplicate) {
    if (!m_pending.remove(id))
        return; // an older outbox entry resent in this session
    ++m_acked;
    if (duplicate)
        ++m_duplicates;
    m_lastSeq = seq;
    // Paced: the session is up once the first is stored; the rest go out on the timer.
    if (m_intervalMs > 0 && m_acked == 1 && !allSent())
        m_pace.start(m_intervalMs);
    if (m_pending.isEmpty() && allSent())
        complete(false);
}

void SendCommand::onFailed(const QString &id, const Error &error) {
    if (!m_pending.remove(id))
        return;
    ++m_failed;
    m_lastError = error;
    m_pace.stop();
    m_next = m_count + 1; // paced: nothing more is sent after a refusal
    if (m_pending.isEmpty())
        complete(false);
}

void SendCommand::complete(bool timedOut) {
    if (isFinished())
        return;
    m_timeout.stop();
    m_pace.stop();
    if (bulk()) {
        const int notAcked = m_count - m_acked;
        JsonLine()
            .add("sent", m_sent)
            .add("acked", m_acked)
            .add("duplicates", m_duplicates)
            .add("elapsed_ms", qint64(m_elapsed.elapsed()))
            .add("failed", notAcked)
            .print();
        if (notAcked == 0) {
            finishNow(kExitOk);
        } else if (m_failed > 0 && m_lastError) {
            fail(Error{m_lastError->code, QStringLiteral("%1 of %2 messages refused: %3")
                                              .arg(m_failed)
                                              .arg(m_count)
                                              .arg(m_lastError->detail)});
        } else {
            fail(Error{ErrorCode::Timeout, QStringLiteral("%1 of %2 messages acknowledged in "
                                                          "%3 ms")
                                               .arg(m_acked)
                                               .arg(m_count)
                                               .arg(m_timeoutMs)});
        }
        return;
    }
    if (m_acked == 1) {
        JsonLine()
            .add("id", m_lastId)
            .add("conversation", m_conversationId)
            .add("seq", m_lastSeq)
            .add("status", "stored")
            .print();
        finishNow(kExitOk);
    } else if (m_lastError) {
        fail(*m_lastError);
    } else if (timedOut) {
        const bool online = client()->isAuthenticated();
        fail(Error{online ? ErrorCode::Timeout : ErrorCode::Network,
                   online ? QStringLiteral("no acknowledgement within %1 ms (kept in the outbox)")
                                .arg(m_timeoutMs)
                          : QStringLiteral("could not reach the server within %1 ms (kept in the "
                                           "outbox)")
                                .arg(m_timeoutMs)});
    }
}

// --- receive ---------------------------------------------------------------------------------

ReceiveCommand::ReceiveCommand(Profile *p, GlobalOptions g, int untilCount, int waitMs,
                               bool withTyping)
    : Command(p, std::move(g))
    , m_untilCount(untilCount)
    , m_waitMs(waitMs)
    , m_withTyping(withTyping) {
    m_idle.setSingleShot(true);
}

void ReceiveCommand::start() {
    connect(&m_idle, &QTimer::timeout, this, &ReceiveCommand::onIdleTimeout);
    connect(&client()->messaging(), &client::Messaging::messagesReceived, this,
            &ReceiveCommand::printAvailable);
    // Messages of a conversation first seen here wait for its kind (group or not).
    connect(&client()->messaging(), &client::Messaging::conversationChanged, this,
            &ReceiveCommand::printAvailable);
    if (m_withTyping)
        connect(&client()->presence(), &client::Presence::typingChanged, this,
                &ReceiveCommand::printTyping);
    connect(client(), &Client::authenticated, this, [this] {
        m_everAuthenticated = true;
        m_idle.start(m_waitMs); // the quiet period counts from a working session
    });
    if (auto s = startSession(); !s) {
        fail(s.error());
        return;
    }
    m_idle.start(m_waitMs);
    // Messages stored by an earlier run (or by another command) but never printed come first.
    printAvailable();
}

void ReceiveCommand::printAvailable() {
    while (!isFinished()) {
        int limit = 500;
        if (m_untilCount >= 0)
            limit = std::min(limit, m_untilCount - m_printed);
        if (limit <= 0)
            break;
        // While the server is asked what a new conversation is, its messages wait.
        const bool waitForKind =
            client()->isAuthenticated() && client()->messaging().infoPendingCount() > 0;
        auto rows = store()->messages().unnotified(limit, waitForKind);
        if (!rows) {
            fail(rows.error());
            return;
        }
        if (rows->isEmpty())
            break;
        QList<qint64> printed;
        QHash<quint64, std::optional<client::ConversationRecord>> conversations;
        for (const auto &m : *rows) {
            if (!conversations.contains(m.conversationId)) {
                auto c = store()->conversations().conversation(m.conversationId);
                conversations.insert(m.conversationId,
                                     c ? *c : std::optional<client::ConversationRecord>());
            }
            const auto &c = conversations[m.conversationId];
            JsonLine line = messageLine(m, c ? &*c : nullptr);
            if (!m.event)
                line.add("received_at", m.receivedAtMs);
            line.print();
            printed.append(m.rowId);
        }
        // Marked right after printing: a crash in between prints a line twice at worst, never
        // loses one.
        if (auto s = store()->messages().markNotified(printed); !s) {
            fail(s.error());
            return;
        }
        m_printed += int(printed.size());
        m_idle.start(m_waitMs);
    }
    if (m_untilCount >= 0 && m_printed >= m_untilCount)
        complete();
}

void ReceiveCommand::printTyping(const client::TypingEvent &event) {
    if (isFinished())
        return;
    JsonLine()
        .add("typing", event.typing)
        .add("from", event.username)
        .add("conversation", event.conversationId)
        .print();
    if (m_idle.isActive())
        m_idle.start(m_waitMs);
}

void ReceiveCommand::onIdleTimeout() {
    // Still draining the inbox or filling a hole: that is not "nothing arrived". Bounded, so a
    // wedged catch-up cannot keep the command alive forever.
    if (client()->isAuthenticated() && client()->messaging().isBusy() && m_extensions < 20) {
        ++m_extensions;
        m_idle.start(m_waitMs);
        return;
    }
    complete();
}

void ReceiveCommand::complete() {
    if (isFinished())
        return;
    m_idle.stop();
    if (m_untilCount >= 0 && m_printed < m_untilCount) {
        finishAfterFlush(
            kExitNetwork,
            Error{m_everAuthenticated ? ErrorCode::Timeout : ErrorCode::Network,
                  QStringLiteral("received %1 of %2 messages").arg(m_printed).arg(m_untilCount)});
        return;
    }
    // Reaching --until-count from messages an earlier command stored counts as success even
    // before this run authenticated; otherwise a run that never reached the server failed.
    const bool satisfied = m_untilCount > 0 && m_printed >= m_untilCount;
    if (!m_everAuthenticated && m_untilCount != 0 && !satisfied) {
        fail(Error{ErrorCode::Network, QStringLiteral("could not reach the server")});
        return;
    }
    finishAfterFlush(kExitOk);
}

} // namespace tidings::cli
