// Follows a deal's new events over the API's Server-Sent Events stream
// (GET /v1/events:stream). The browser's EventSource reconnects by itself
// after a lost connection; it reopens the same URL, so events it has
// already seen may come again, and only events past the last one seen
// count as new.

// status: 'connecting' | 'catching-up' | 'live' | 'reconnecting' | 'closed'
export class LiveStream {
  constructor(url, afterSequence, { onEvents, onStatus, onError }) {
    this.lastSeen = BigInt(afterSequence);
    this.source = new EventSource(url);
    onStatus('connecting');
    this.source.addEventListener('open', () => onStatus('catching-up'));
    this.source.addEventListener('caught_up', () => onStatus('live'));
    this.source.addEventListener('progress', () => onStatus('live'));
    this.source.addEventListener('event', (message) => {
      const event = JSON.parse(message.data);
      const sequence = BigInt(event.sequence);
      if (sequence <= this.lastSeen) return;
      this.lastSeen = sequence;
      onEvents(event);
    });
    // The stream's own `event: error` (a MessageEvent with the error JSON)
    // and a lost connection (a plain Event) share the name "error".
    this.source.addEventListener('error', (message) => {
      if (message.data) {
        const { error } = JSON.parse(message.data);
        onError(`The live stream ended: ${error?.message ?? message.data}`);
      }
      onStatus(this.source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    });
  }

  close() {
    this.source.close();
  }
}
