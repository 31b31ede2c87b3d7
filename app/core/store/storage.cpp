#include "core/store/storage.h"

#include "core/store/account_store.h"
#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/database.h"
#include "core/store/group_state_store.h"
#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/recipient_store.h"
#include "core/store/search_index.h"
#include "core/store/security_notice_store.h"
#include "core/store/transfer_store.h"
#include "core/store/view_state_store.h"

#include <QLockFile>

namespace tidings::client {

Storage::Storage() = default;
Storage::~Storage() = default;

Result<std::unique_ptr<Storage>> Storage::open(const QString &path,
                                               const crypto::SecretBytes &masterKey) {
    std::unique_ptr<QLockFile> lock;
    if (path != QLatin1String(":memory:")) {
        lock = std::make_unique<QLockFile>(path + QStringLiteral(".lock"));
        // Held for the process's lifetime: never stale by age, only when its holder is gone.
        lock->setStaleLockTime(0);
        if (!lock->tryLock(0)) {
            if (lock->error() != QLockFile::LockFailedError)
                return Error{ErrorCode::Storage,
                             QStringLiteral("cannot create the lock file beside %1").arg(path)};
            qint64 pid = 0;
            QString host, app;
            lock->getLockInfo(&pid, &host, &app);
            return Error{ErrorCode::ProfileInUse,
                         QStringLiteral("this profile is open in another Tidings process (pid %1); "
                                        "close it first")
                             .arg(pid)};
        }
    }
    auto db = Database::open(path, masterKey);
    if (!db)
        return db.error();
    std::unique_ptr<Storage> s(new Storage);
    s->m_lock = std::move(lock);
    s->m_db = std::move(*db);
    Database &d = *s->m_db;
    s->m_accounts = std::make_unique<AccountStore>(d);
    s->m_conversations = std::make_unique<ConversationStore>(d, *s->m_accounts);
    s->m_outbox = std::make_unique<OutboxStore>(d);
    s->m_recipients = std::make_unique<RecipientStore>(d);
    s->m_search = std::make_unique<SearchIndex>(d);
    s->m_transfers = std::make_unique<TransferStore>(d);
    s->m_messages = std::make_unique<MessageStore>(d, *s->m_conversations, *s->m_outbox,
                                                   *s->m_search, *s->m_transfers);
    s->m_notices = std::make_unique<SecurityNoticeStore>(d);
    s->m_groupStates = std::make_unique<GroupStateStore>(d);
    s->m_viewState = std::make_unique<ViewStateStore>(d);
    s->m_chatList = std::make_unique<ChatListReader>(d, *s->m_accounts);
    s->m_keys = std::make_unique<KeyStore>(d, masterKey);
    return s;
}

Status Storage::transaction(const std::function<Status()> &body) {
    return m_db->transaction(body);
}

} // namespace tidings::client
