#pragma once
// Which devices each message this device sent was encrypted for. A resend request is answered
// only for a device in that set: the server knows every message's seq and client id, so without
// it a device the server adds later (a member added to a group, a device linked to a contact's
// account) could ask for, and be sent, the plaintext of what was written before it existed
// (e2e-crypto.md §9, property 10). Sets are shared between messages: a 500-member group stores
// one set per membership state (~8 KB), not per message.
#include "core/e2e/e2e_types.h"
#include "protocol/result.h"

#include <QList>
#include <QString>

namespace tidings::client {

class Database;

class RecipientStore {
public:
    explicit RecipientStore(Database &db)
        : m_db(db) {}

    //! Records that my message `clientMessageId` (sent by `me`) was encrypted for `devices`; a
    //! later call (the message encrypted again for a changed device set) replaces it.
    Status record(const QString &clientMessageId, const e2e::DeviceAddress &me,
                  const QList<e2e::DeviceAddress> &devices);
    //! Whether my message was encrypted for `device`. False also when nothing was recorded (a
    //! message sent before this was kept): fail closed.
    Result<bool> wasEncryptedFor(const QString &clientMessageId, const e2e::DeviceAddress &me,
                                 const e2e::DeviceAddress &device) const;

private:
    Database &m_db;
};

} // namespace tidings::client
