#pragma once
// ContactStore on PostgreSQL.
#include "services/contacts/contact_store.h"

namespace tidings::server {

class PgPool;

class PgContactStore final : public ContactStore {
public:
    explicit PgContactStore(PgPool &pool)
        : m_pool(pool) {}

    void findUser(const QString &username, Callback<std::optional<quint64>> cb) override;
    void apply(quint64 owner, ContactAction action, quint64 other,
               std::function<void(Status)> cb) override;
    void list(quint64 owner, Callback<ContactList> cb) override;

private:
    PgPool &m_pool;
};

} // namespace tidings::server
