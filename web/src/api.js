// The read-only HTTP/JSON API of pactlogd (services/http/api.h), served by
// the same origin as this page. Bodies are Protobuf's JSON mapping of the
// pactlog.v1 responses: lowerCamelCase names, 64-bit integers as strings.

// An error answer: {"error": {code, status, message, details}}.
export class ApiError extends Error {
  constructor(path, httpStatus, body) {
    const error = body?.error ?? {};
    const violations = (error.details ?? [])
      .flatMap((detail) => detail.fieldViolations ?? [])
      .map((v) => `${v.field}: ${v.description}`);
    const message = error.message ?? `HTTP ${httpStatus}`;
    super(violations.length ? `${message} (${violations.join('; ')})` : message);
    this.name = 'ApiError';
    this.path = path;
    this.status = error.status ?? `HTTP_${httpStatus}`;
  }
}

// An optional bearer token from the page's own URL (?token= or #token=);
// none by default. EventSource cannot send headers, so the stream passes
// it as the access_token parameter the server accepts for that.
export function tokenFromLocation(location) {
  return (
    new URLSearchParams(location.search).get('token') ??
    new URLSearchParams(location.hash.slice(1)).get('token') ??
    ''
  );
}

// The query parameters of an as-of point ({effective, recorded}: RFC 3339
// strings or empty for "now").
function asOfParams(asOf) {
  const params = {};
  if (asOf.effective) params['as_of.effective_time'] = asOf.effective;
  if (asOf.recorded) params['as_of.recorded_time'] = asOf.recorded;
  return params;
}

function url(path, params = {}) {
  const query = new URLSearchParams(params).toString();
  return query ? `${path}?${query}` : path;
}

export class Api {
  constructor(token = '') {
    this.token = token;
  }

  async get(path, params = {}, signal = undefined) {
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(url(path, params), { headers, signal });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(path, response.status, body);
    return body;
  }

  dealPath(dealId, rest = '') {
    return `/v1/deals/${encodeURIComponent(dealId)}${rest}`;
  }

  // Every deal (ListDeals, all pages) as the record stands now.
  async listDeals(signal) {
    const deals = [];
    let pageToken = '';
    do {
      const page = await this.get('/v1/deals', pageToken ? { page_token: pageToken } : {}, signal);
      deals.push(...page.deals);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return deals;
  }

  // GetDealResponse: {deal: DealState, logSequence, chainHead}.
  getDeal(dealId, asOf, signal) {
    return this.get(this.dealPath(dealId), asOfParams(asOf), signal);
  }

  // GetTariffsResponse: {tariffs: [TariffLine with history], evaluatedAt}.
  getTariffs(dealId, asOf, signal) {
    return this.get(this.dealPath(dealId, '/tariffs'), asOfParams(asOf), signal);
  }

  // Every event of the deal in log order (EventStream.Read, page by page
  // until the head of the log the first page saw).
  async listEvents(dealId, signal) {
    const events = [];
    let after = '0';
    for (;;) {
      const page = await this.get(
        this.dealPath(dealId, '/events'),
        { after_sequence: after, limit: '1000' },
        signal,
      );
      events.push(...page.events);
      if (BigInt(page.lastExaminedSequence) >= BigInt(page.headSequence)) return events;
      after = page.lastExaminedSequence;
    }
  }

  // Links to the CSV exports, at the same as-of point.
  csvUrl(dealId, what, asOf) {
    const params = what === 'projects' ? asOfParams(asOf) : {};
    if (this.token) params.access_token = this.token;
    return url(this.dealPath(dealId, `/${what}.csv`), params);
  }

  // The Server-Sent Events of the deal's events after `afterSequence`.
  streamUrl(dealId, afterSequence) {
    const params = { 'filter.deal_ids': dealId, after_sequence: afterSequence };
    if (this.token) params.access_token = this.token;
    return url('/v1/events:stream', params);
  }
}
