// Uses the installed pactlog client: builds an event, connects (without
// needing a server) and prints a line, so the test sees it links and runs.
#include <iostream>

#include "pactlog/client/client.h"

int main() {
  auto client = pactlog::client::Client::Connect("127.0.0.1:1");
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 1;
  }
  pactlog::v1::EventData event;
  event.set_event_id(pactlog::client::RandomUuid());
  std::cout << "pactlog consumer ok: " << (*client)->address() << " "
            << event.event_id().size() << "\n";
  return 0;
}
