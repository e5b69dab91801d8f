// Uses the installed pactlog client: builds an event, connects (without
// needing a server), decodes a status' field violations and prints a line,
// so the test sees it links and runs.
#include <iostream>

#include "pactlog/client/client.h"
#include "pactlog/client/field_violations.h"

int main() {
  auto client = pactlog::client::Client::Connect("127.0.0.1:1");
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 1;
  }
  pactlog::v1::EventData event;
  event.set_event_id(pactlog::client::RandomUuid());
  // The google.rpc messages it decodes come with the installed archives.
  const grpc::Status details(grpc::StatusCode::INVALID_ARGUMENT, "bad", "\xff");
  std::cout << "pactlog consumer ok: " << (*client)->address() << " "
            << event.event_id().size() << " "
            << pactlog::client::FieldViolations(details).size() << "\n";
  return 0;
}
