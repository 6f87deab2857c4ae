// txn/journal_form.h
//
// The bytes a transaction is journaled as. Internal to statelog.

#ifndef STATELOG_TXN_JOURNAL_FORM_H_
#define STATELOG_TXN_JOURNAL_FORM_H_

#include <string>

#include "absl/status/statusor.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// txn.ToJson().dump(), written directly: no intermediate tree, so no copy of
// the values, and no second validation. The bytes are the same, so records
// written either way read back alike.
// REQUIRES: txn.Validate() is OK.
[[nodiscard]] absl::StatusOr<std::string> EncodeJournalForm(
    const Transaction& txn);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_JOURNAL_FORM_H_
