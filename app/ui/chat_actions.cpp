#include "chat_actions.h"

#include "chat_events.h"
#include "ui_logging.h"

#include "core/messaging/messaging.h"
#include "core/store/conversation_store.h"
#include "core/store/view_state_store.h"

namespace tidings::ui {

ChatActions::ChatActions(client::Messaging *messaging, client::ConversationStore *conversations,
                         client::ViewStateStore *viewState, ChatEvents *events, QObject *parent)
    : QObject(parent)
    , m_messaging(messaging)
    , m_conversations(conversations)
    , m_viewState(viewState)
    , m_events(events) {}

Result<QString> ChatActions::sendText(quint64 conversationId, const QString &text) {
    auto id = m_messaging->sendText(conversationId, text);
    if (id)
        m_events->announce(conversationId);
    else
        qCWarning(lcUi) << "send failed:" << id.error().toString();
    return id;
}

void ChatActions::markRead(quint64 conversationId) {
    auto conv = m_conversations->conversation(conversationId);
    if (!conv || !conv->has_value() || (*conv)->lastContiguousSeq <= (*conv)->myReadSeq)
        return;
    auto seq = m_messaging->markRead(conversationId);
    if (seq && *seq > 0)
        m_events->announce(conversationId);
}

void ChatActions::setPinned(quint64 conversationId, bool pinned) {
    if (m_viewState->setPinned(conversationId, pinned))
        m_events->announce(conversationId);
}

void ChatActions::setMuted(quint64 conversationId, bool muted) {
    if (m_viewState->setMuted(conversationId, muted))
        m_events->announce(conversationId);
}

void ChatActions::saveDraft(quint64 conversationId, const QString &text) {
    auto old = m_viewState->draft(conversationId);
    if (old && *old == text)
        return;
    if (m_viewState->setDraft(conversationId, text))
        m_events->announce(conversationId);
}

QString ChatActions::draft(quint64 conversationId) const {
    auto draft = m_viewState->draft(conversationId);
    return draft ? *draft : QString();
}

} // namespace tidings::ui
