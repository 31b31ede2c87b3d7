#include "chat_events.h"

#include "core/account/account.h"
#include "core/groups/groups.h"
#include "core/messaging/messaging.h"
#include "core/store/message_store.h"

namespace tidings::ui {

ChatEvents::ChatEvents(client::Messaging *messaging, client::Groups *groups,
                       client::MessageStore *messages, const client::Account *account,
                       QObject *parent)
    : QObject(parent) {
    using client::Messaging;
    connect(messaging, &Messaging::messagesReceived, this,
            [this](quint64 conversationId, const QList<client::MessageRecord> &messages) {
                emit chatChanged(conversationId);
                for (const auto &m : messages)
                    emit incoming(conversationId, m);
            });
    connect(messaging, &Messaging::messageStored, this,
            [this](const QString &, quint64 conversationId, quint64, bool) {
                emit chatChanged(conversationId);
            });
    connect(messaging, &Messaging::receiptChanged, this,
            [this](quint64 conversationId, quint64, quint64, quint64) {
                emit chatChanged(conversationId);
            });
    connect(messaging, &Messaging::sendFailed, this,
            [this, messages, account](const QString &clientId, const Error &) {
                if (auto m = messages->messageByClientId(clientId, account->userId());
                    m && m->has_value())
                    emit chatChanged((*m)->conversationId);
            });
    connect(messaging, &Messaging::myReadChanged, this,
            [this](quint64 conversationId, quint64) { emit chatChanged(conversationId); });
    connect(messaging, &Messaging::conversationChanged, this, &ChatEvents::chatChanged);
    connect(groups, &client::Groups::conversationChanged, this, &ChatEvents::chatChanged);
}

} // namespace tidings::ui
