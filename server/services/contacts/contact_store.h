#pragma once
// What contacts need from storage.
#include "services/contacts/contacts.h"

#include <functional>
#include <optional>

namespace tidings::server {

class ContactStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~ContactStore() = default;

    virtual void findUser(const QString &username, Callback<std::optional<quint64>> cb) = 0;
    //! Idempotent: adding what is there or removing what is not changes nothing.
    virtual void apply(quint64 owner, ContactAction action, quint64 other,
                       std::function<void(Status)> cb) = 0;
    virtual void list(quint64 owner, Callback<ContactList> cb) = 0;
};

} // namespace tidings::server
