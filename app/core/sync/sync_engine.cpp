#include "core/sync/sync_engine.h"

#include "core/logging.h"
#include "core/sync/catch_up.h"
#include "core/sync/conversation_resolver.h"
#include "core/sync/message_receiver.h"
#include "core/sync/outbox_sender.h"
#include "core/sync/receipts.h"

namespace tidings::client {

SyncEngine::SyncEngine(Storage *store, FrameSink *sink, Options options, QObject *parent)
    : QObject(parent)
    , m_options(options) {
    m_receipts = std::make_unique<Receipts>(store, sink, m_me);
    m_resolver = std::make_unique<ConversationResolver>(store, sink, m_me, [this] { maybeIdle(); });
    m_receiver = std::make_unique<MessageReceiver>(
        store, sink, m_me,
        MessageReceiver::Hooks{[this](const ConversationAdvance &adv) { afterAdvance(adv, true); },
                               [this] { maybeIdle(); }});
    m_sender = std::make_unique<OutboxSender>(
        store, sink, m_me, options.maxInFlight, options.retryDelayMs,
        OutboxSender::Hooks{
            [this](const ConversationAdvance &adv) { afterAdvance(adv, false); },
            [this](const QList<IncomingMessage> &own) { return m_receiver->store(own, {}); },
            [this](const QString &clientMessageId) {
                return m_blobsGone && m_blobsGone(clientMessageId);
            }});
    m_catchUp = std::make_unique<CatchUp>(
        store, sink, *m_receiver, *m_receipts, options.gapGraceMs, options.historyPageLimit,
        CatchUp::Hooks{[this](const ConversationAdvance &adv) { afterAdvance(adv, true); },
                       [this] { maybeIdle(); }});

    connect(m_sender.get(), &OutboxSender::messageStored, this, &SyncEngine::messageStored);
    connect(m_sender.get(), &OutboxSender::sendFailed, this, &SyncEngine::sendFailed);
    connect(m_receipts.get(), &Receipts::receiptChanged, this, &SyncEngine::receiptChanged);
    connect(m_receipts.get(), &Receipts::myReadChanged, this, &SyncEngine::myReadChanged);
    connect(m_resolver.get(), &ConversationResolver::conversationChanged, this,
            &SyncEngine::conversationChanged);
    connect(m_sender.get(), &OutboxSender::storageFailed, this, &SyncEngine::storageFailed);
    connect(m_receiver.get(), &MessageReceiver::storageFailed, this, &SyncEngine::storageFailed);
    connect(m_catchUp.get(), &CatchUp::storageFailed, this, &SyncEngine::storageFailed);
    connect(m_receipts.get(), &Receipts::storageFailed, this, &SyncEngine::storageFailed);
    connect(m_resolver.get(), &ConversationResolver::storageFailed, this,
            &SyncEngine::storageFailed);
}

SyncEngine::~SyncEngine() = default;

void SyncEngine::setCrypto(MessageCrypto *crypto) {
    m_crypto = crypto;
    m_sender->setCrypto(crypto);
    m_receiver->setCrypto(crypto);
}

void SyncEngine::sendControl(const wire::SendRequest &request) {
    m_sender->sendControl(request);
}

void SyncEngine::releaseIdentityHolds() {
    m_sender->releaseIdentityHolds();
}

bool SyncEngine::isBusy() const {
    return !m_drained || m_catchUp->isBusy() || m_resolver->pendingCount() > 0 ||
           m_receiver->isOpening();
}

bool SyncEngine::isInfoPending(quint64 conversationId) const {
    return m_resolver->isPending(conversationId);
}

int SyncEngine::infoPendingCount() const {
    return m_resolver->pendingCount();
}

int SyncEngine::inFlightCount() const {
    return m_sender->inFlightCount();
}

int SyncEngine::queuedCount() const {
    return m_sender->queuedCount();
}

void SyncEngine::onAuthenticated() {
    m_sender->flushAcks(); // what is acked must not be reloaded from the outbox and resent
    m_drained = false;
    m_sender->reset();
    m_receiver->onAuthenticated();
    m_catchUp->onAuthenticated();
    m_resolver->reset();
    m_resolver->resolveUnknown();
    m_sender->resendOutbox();
}

void SyncEngine::onDisconnected() {
    m_drained = false;
    m_sender->reset();
    m_receiver->onDisconnected();
    m_catchUp->onDisconnected();
    m_resolver->reset();
}

void SyncEngine::handlePush(const Frame &frame) {
    switch (frame.body_case()) {
    case Frame::kMessagePush:
        m_receiver->receive(frame.message_push().messages(), {});
        break;
    case Frame::kInboxDrained: {
        // After the drain's messages are stored (they may still wait for device lists).
        const int count = int(frame.inbox_drained().count());
        m_receiver->receive({}, [this, count] {
            qCInfo(lcSync) << "inbox drained:" << count << "message(s)";
            m_drained = true;
            emit inboxDrained(count);
            m_catchUp->checkGaps();
        });
        break;
    }
    case Frame::kReceiptPush:
        m_receipts->apply(frame.receipt_push());
        break;
    default:
        qCDebug(lcSync) << "ignoring push of type" << int(frame.body_case());
        break;
    }
}

Result<QStringList> SyncEngine::enqueueTexts(quint64 conversationId, const QStringList &texts) {
    return m_sender->enqueueTexts(conversationId, texts);
}

Result<qint64> SyncEngine::enqueueWithAttachments(
    const OutgoingDraft &draft, const QList<media::AttachmentDescriptor> &attachments, bool held) {
    return m_sender->enqueueWithAttachments(draft, attachments, held);
}

Status SyncEngine::releaseHeld(const OutgoingDraft &draft) {
    return m_sender->releaseHeld(draft);
}

Result<quint64> SyncEngine::markRead(quint64 conversationId) {
    return m_receipts->markRead(conversationId);
}

void SyncEngine::refreshConversation(quint64 conversationId) {
    m_catchUp->refreshConversation(conversationId);
}

void SyncEngine::requestConversationInfo(quint64 conversationId) {
    m_resolver->request(conversationId);
}

void SyncEngine::afterAdvance(const ConversationAdvance &adv, bool ackIfAdvanced) {
    for (const auto &[clientId, seq] : adv.confirmedOwn) {
        m_sender->confirmed(clientId);
        emit messageStored(clientId, adv.conversationId, seq, true);
    }
    if (adv.unknownKind)
        m_resolver->request(adv.conversationId);
    if (adv.groupChanged)
        emit conversationChanged(adv.conversationId);
    if (!adv.released.isEmpty())
        emit messagesReceived(adv.conversationId, adv.released);
    m_receiver->ackDelivery(adv, ackIfAdvanced);
    if (adv.hasHeld && m_drained)
        m_catchUp->scheduleGapCheck();
}

void SyncEngine::maybeIdle() {
    if (!isBusy() && m_sender->retriesPending() == 0)
        emit idle();
}

} // namespace tidings::client
