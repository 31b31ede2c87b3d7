#pragma once
// Contacts (who counts for the "my contacts" privacy setting) and blocking.
#include "protocol/codec.h"

#include <QObject>

namespace tidings::server {

class PgPool;
class Session;
class PresenceService;

class ContactService : public QObject {
    Q_OBJECT
public:
    ContactService(PgPool *pool, PresenceService *presence, QObject *parent = nullptr);

    void change(Session *session, quint64 requestId, const wire::ContactRequest &req);
    void list(Session *session, quint64 requestId);

private:
    PgPool *m_pool;
    PresenceService *m_presence;
};

} // namespace tidings::server
