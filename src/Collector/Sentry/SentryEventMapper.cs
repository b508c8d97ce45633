using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Collector.Sentry;

/// <summary>A Sentry event in Alerts' model, under the id the SDK gave it.</summary>
internal sealed record MappedEvent(string Id, EventPayload Payload);

/// <summary>
/// Maps a Sentry event (https://develop.sentry.dev/sdk/data-model/event-payloads/) onto <see cref="EventPayload"/>, the
/// model native events use, so grouping, mails and the Dashboard need not know which protocol brought an event. Like
/// Sentry, it trims what is over a limit instead of refusing the event: an SDK has no way to fix and resend it.
/// </summary>
/// <remarks>
/// One pass over the UTF-8 payload with <see cref="Utf8JsonReader"/>, straight onto the stored model: what the stored
/// payload does not keep (contexts, breadcrumbs, modules, sdk, colno...) is skipped without a string being made of it.
/// Fields the protocol lets SDKs send in several shapes (a string or an object, an object or a list of pairs) are
/// read in each shape an SDK sends.
/// </remarks>
internal static partial class SentryEventMapper
{
    public const int MaxText = 8 * 1024;
    public const int MaxFrames = 250;
    public const int MaxTags = 100;
    public const int MaxTagValue = 200;
    public const int MaxFingerprintParts = 32;

    /// <summary>Sentry's title for an event with neither an exception nor a message.</summary>
    public const string Unlabeled = "<unlabeled event>";

    /// <summary>A user field Sentry SDKs send for "take the address the request came from".</summary>
    private const string AutoAddress = "{{auto}}";

    /// <summary>The lines of context the SDKs send on each side of a frame's line by default (Python, JavaScript).</summary>
    private const int ContextLines = 5;

    /// <summary>
    /// Frames' texts (file names, modules, functions, source lines) come again in every event of an error: pooled, a flood
    /// of one error makes its strings once instead of once per event. ASCII texts of up to 256 bytes, two slots to a hash
    /// (8,192 slots, at most ~4.5 MB held); plain references, so requests share them without a lock. CommunityToolkit's
    /// StringPool saved the same bytes but its bookkeeping made mapping the node envelope 35 % slower (bench/RESULTS.md).
    /// </summary>
    private static readonly string?[] FrameSlots = new string?[8192];

    private const int MaxPooledBytes = 256;

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, MaxDepth = EventJson.MaxDepth };

    /// <summary>Parses and maps one event payload (a store body, an envelope's event item).</summary>
    /// <param name="fallbackId">The envelope header's event_id, used when the event carries none.</param>
    /// <param name="clientAddress">The address the request came from, for <c>{{auto}}</c>.</param>
    /// <exception cref="JsonException">The payload is not a JSON object of the event's shape.</exception>
    public static MappedEvent Map(ReadOnlySpan<byte> json, string? fallbackId, string? clientAddress)
    {
        var parser = new Parser(json);
        try
        {
            parser.ReadEvent();
        }
        catch (InvalidOperationException ex)
        {
            // The reader's "not text" / "not valid UTF-16" errors: a malformed event, as System.Text.Json reports them.
            throw new JsonException(ex.Message, ex);
        }
        var id = NormalizeId(parser.EventId) ?? NormalizeId(fallbackId) ?? StoredEvent.NewId();
        return new MappedEvent(id, parser.ToPayload(clientAddress));
    }

    /// <summary>A Sentry event id (32 hex digits, or a UUID with dashes) as 32 lowercase hex digits; null if it is not one.</summary>
    public static string? NormalizeId(string? id) =>
        id is { Length: 32 or 36 } && Guid.TryParse(id, out var guid) && guid != Guid.Empty ? guid.ToString("N") : null;

    /// <summary><c>message</c> (a string, or an object) and <c>logentry</c>: a template, its params, the formatted text.</summary>
    private sealed class SentryMessage
    {
        public string? Message;
        public string? Formatted;
        public JsonElement? Params;
    }

    /// <summary>The event's fields as they are read; <see cref="ToPayload"/> applies the mapping rules.</summary>
    private ref struct Parser(ReadOnlySpan<byte> json)
    {
        private readonly ReadOnlySpan<byte> _json = json;
        private Utf8JsonReader _r = new(json, ReaderOptions);

        public string? EventId;
        private DateTime? _timestamp;
        private string? _level, _logger, _environment, _release, _serverName;
        private SentryMessage? _message, _logentry;
        private List<ExceptionInfo>? _exceptions;
        private List<bool>? _synthetic;
        private List<string?>? _sources;
        private string? _transaction;
        private string? _runtime, _os;
        private Dictionary<string, string>? _modules;
        private RequestInfo? _request;
        private Dictionary<string, string>? _tags;
        private Dictionary<string, JsonElement>? _user;
        private List<string>? _fingerprint;

        public void ReadEvent()
        {
            if (!_r.Read() || _r.TokenType != JsonTokenType.StartObject)
                throw new JsonException("The event must be a JSON object.");
            while (NextProperty())
            {
                if (Is("exception"u8)) { Advance(); ReadExceptions(); }
                else if (Is("message"u8)) { Advance(); _message = ReadMessage(); }
                else if (Is("logentry"u8)) { Advance(); _logentry = ReadMessage(); }
                else if (Is("event_id"u8)) { Advance(); EventId = String(); }
                else if (Is("timestamp"u8)) { Advance(); _timestamp = ReadTimestamp(); }
                else if (Is("level"u8)) { Advance(); _level = String(); }
                else if (Is("logger"u8)) { Advance(); _logger = String(); }
                else if (Is("platform"u8)) { Advance(); String(); }
                else if (Is("environment"u8)) { Advance(); _environment = String(); }
                else if (Is("release"u8)) { Advance(); _release = String(); }
                else if (Is("server_name"u8)) { Advance(); _serverName = String(); }
                else if (Is("request"u8)) { Advance(); _request = ReadRequest(); }
                else if (Is("tags"u8)) { Advance(); _tags = ReadStringMap(); }
                else if (Is("user"u8)) { Advance(); _user = ReadElements(); }
                else if (Is("fingerprint"u8)) { Advance(); _fingerprint = ReadTextList(); }
                else if (Is("transaction"u8)) { Advance(); _transaction = Text(); }
                else if (Is("contexts"u8)) { Advance(); ReadContexts(); }
                else if (Is("modules"u8)) { Advance(); _modules = ReadStringMap(); }
                else { Advance(); _r.Skip(); }
            }
            // Anything after the event's object is not JSON the event may carry.
            if (_r.Read()) throw new JsonException("The event must be one JSON object.");
        }

        public readonly EventPayload ToPayload(string? clientAddress)
        {
            // Node's SDK wraps a captured message in a synthetic exception: it is still a message, grouped by its text.
            List<ExceptionInfo>? raised = null;
            List<string?>? sources = null;
            string? syntheticValue = null;
            for (var i = 0; i < (_exceptions?.Count ?? 0); i++)
            {
                if (!_synthetic![i]) { (raised ??= []).Add(_exceptions![i]); (sources ??= []).Add(_sources![i]); }
                else syntheticValue ??= _exceptions![i].Value ?? "";
            }
            // Each exception's mechanism says how it hangs off the one after it (its parent); Alerts keeps that on the cause.
            for (var i = 0; raised is not null && i < raised.Count - 1; i++)
                raised[i].Chaining = ChainingOf(sources![i]);
            var (message, template) = MessageOf(_logentry ?? _message);
            message ??= syntheticValue is { Length: > 0 } ? syntheticValue : null;
            return new EventPayload
            {
                Kind = EventKinds.Error,
                Timestamp = _timestamp,
                Environment = Cut(_environment, MaxTagValue),
                Release = Cut(_release, MaxTagValue),
                ServerName = Cut(_serverName, MaxTagValue),
                Level = LevelOf(_level),
                Logger = Cut(_logger, MaxTagValue),
                Message = message ?? (raised is null ? Unlabeled : null),
                MessageTemplate = template,
                // Sentry lists a chain oldest first: the last value is the exception that was raised.
                Exception = raised?[^1],
                Causes = raised is { Count: > 1 } ? raised[..^1] : null,
                Request = _request,
                Tags = TagsOf(_tags),
                User = UserOf(_user, clientAddress),
                Fingerprint = FingerprintOf(_fingerprint),
                Transaction = Cut(_transaction, MaxTagValue),
                Runtime = _runtime,
                Os = _os,
                Modules = ModulesOf(_modules),
            };
        }

        /// <summary><c>{"values": [...]}</c> or, in older SDKs, the bare list.</summary>
        private void ReadExceptions()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.Null:
                    (_exceptions, _synthetic, _sources) = (null, null, null);
                    break;
                case JsonTokenType.StartArray:
                    ReadExceptionList();
                    break;
                case JsonTokenType.StartObject:
                    var found = false;
                    while (NextProperty())
                    {
                        var values = Is("values"u8);
                        Advance();
                        if (values && _r.TokenType == JsonTokenType.StartArray) { ReadExceptionList(); found = true; }
                        else _r.Skip();
                    }
                    if (!found) (_exceptions, _synthetic, _sources) = (null, null, null);
                    break;
                default:
                    _r.Skip();
                    (_exceptions, _synthetic, _sources) = (null, null, null);
                    break;
            }
        }

        private void ReadExceptionList()
        {
            _exceptions = [];
            _synthetic = [];
            _sources = [];
            while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
            {
                if (_r.TokenType == JsonTokenType.Null) continue;
                Expect(JsonTokenType.StartObject);
                string? type = null, value = null, module = null;
                List<FrameInfo>? frames = null;
                var (synthetic, source) = (false, (string?)null);
                while (NextProperty())
                {
                    if (Is("type"u8)) { Advance(); type = String(); }
                    else if (Is("value"u8)) { Advance(); value = String(); }
                    else if (Is("module"u8)) { Advance(); module = String(); }
                    else if (Is("stacktrace"u8)) { Advance(); frames = ReadStacktrace(); }
                    else if (Is("mechanism"u8)) { Advance(); (synthetic, source) = ReadMechanism(); }
                    else { Advance(); _r.Skip(); }
                }
                if (frames is { Count: > MaxFrames }) frames.RemoveRange(0, frames.Count - MaxFrames); // the frames nearest the error
                _exceptions.Add(new ExceptionInfo
                {
                    Type = string.IsNullOrWhiteSpace(type) ? "Error" : Cut(type, MaxTagValue),
                    Value = Cut(value, MaxText),
                    // .NET sends the assembly's display name ("System.Private.CoreLib, Version=...") where Python sends the
                    // module: the type is already namespace-qualified there, and the assembly would only clutter its name.
                    Module = module is not null && !module.Contains(',', StringComparison.Ordinal) ? module : null,
                    Frames = frames is { Count: > 0 } ? frames : null,
                });
                _synthetic.Add(synthetic);
                _sources.Add(source);
            }
        }

        /// <summary>
        /// The mechanism's <c>synthetic</c> (the SDK made the exception up to carry a stack trace for a message) and its
        /// <c>source</c> (where the SDK found it on its parent: <c>__cause__</c>, <c>__context__</c>, <c>InnerException</c>).
        /// </summary>
        private (bool Synthetic, string? Source) ReadMechanism()
        {
            if (_r.TokenType == JsonTokenType.Null) return (false, null);
            Expect(JsonTokenType.StartObject);
            bool? synthetic = null;
            string? source = null;
            while (NextProperty())
            {
                if (Is("synthetic"u8)) { Advance(); synthetic = Bool(); }
                else if (Is("source"u8)) { Advance(); source = Text(); }
                else { Advance(); _r.Skip(); }
            }
            return (synthetic == true, source);
        }

        /// <summary>Only <c>runtime</c> and <c>os</c> are read, in any shape: an odd context never fails the event.</summary>
        private void ReadContexts()
        {
            if (_r.TokenType != JsonTokenType.StartObject) { _r.Skip(); return; }
            while (NextProperty())
            {
                var (runtime, os) = (Is("runtime"u8), Is("os"u8));
                Advance();
                if (runtime) _runtime = ReadNamedVersion();
                else if (os) _os = ReadNamedVersion();
                else _r.Skip();
            }
        }

        /// <summary>"CPython 3.11.2" from a context such as <c>{"name": "CPython", "version": "3.11.2"}</c>.</summary>
        private string? ReadNamedVersion()
        {
            if (_r.TokenType != JsonTokenType.StartObject) { _r.Skip(); return null; }
            string? name = null, version = null;
            while (NextProperty())
            {
                var (isName, isVersion) = (Is("name"u8), Is("version"u8));
                Advance();
                if ((isName || isVersion) && _r.TokenType is JsonTokenType.String or JsonTokenType.Number)
                {
                    var text = Text();
                    if (isName) name = text; else version = text;
                }
                else _r.Skip();
            }
            var named = string.Join(' ', new[] { name, version }.Where(p => !string.IsNullOrWhiteSpace(p)));
            return named.Length == 0 ? null : Cut(named, MaxTagValue);
        }

        private List<FrameInfo>? ReadStacktrace()
        {
            if (_r.TokenType == JsonTokenType.Null) return null;
            Expect(JsonTokenType.StartObject);
            List<FrameInfo>? frames = null;
            while (NextProperty())
            {
                var isFrames = Is("frames"u8);
                Advance();
                if (!isFrames) { _r.Skip(); continue; }
                if (_r.TokenType == JsonTokenType.Null) { frames = null; continue; }
                Expect(JsonTokenType.StartArray);
                frames = new List<FrameInfo>(16);
                while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
                    if (_r.TokenType != JsonTokenType.Null) frames.Add(ReadFrame());
            }
            return frames;
        }

        private FrameInfo ReadFrame()
        {
            Expect(JsonTokenType.StartObject);
            var frame = new FrameInfo();
            string? filename = null, absPath = null;
            while (NextProperty())
            {
                if (Is("filename"u8)) { Advance(); filename = Pooled(); }
                else if (Is("abs_path"u8)) { Advance(); absPath = Pooled(); }
                else if (Is("function"u8)) { Advance(); frame.Function = Pooled(); }
                else if (Is("module"u8)) { Advance(); frame.Module = Pooled(); }
                else if (Is("lineno"u8)) { Advance(); frame.Lineno = Int(); }
                else if (Is("in_app"u8)) { Advance(); frame.InApp = Bool(); }
                else if (Is("context_line"u8)) { Advance(); frame.ContextLine = Pooled(); }
                else if (Is("pre_context"u8)) { Advance(); frame.PreContext = ReadLines(); }
                else if (Is("post_context"u8)) { Advance(); frame.PostContext = ReadLines(); }
                else if (Is("vars"u8)) { Advance(); frame.Vars = ReadElements() is { Count: > 0 } vars ? vars : null; }
                else { Advance(); _r.Skip(); }
            }
            frame.Filename = filename ?? absPath;
            return frame;
        }

        /// <summary>Source lines: texts, a missing line as empty; no lines as null.</summary>
        private List<string>? ReadLines()
        {
            if (_r.TokenType == JsonTokenType.Null) return null;
            Expect(JsonTokenType.StartArray);
            List<string>? lines = null;
            while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
                (lines ??= new List<string>(ContextLines)).Add(Pooled() ?? "");
            return lines;
        }

        /// <summary>A message as a plain string (the legacy form) or as an object with message, params, formatted.</summary>
        private SentryMessage? ReadMessage()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.String:
                    return new SentryMessage { Formatted = _r.GetString() };
                case JsonTokenType.StartObject:
                    var message = new SentryMessage();
                    while (NextProperty())
                    {
                        if (Is("message"u8)) { Advance(); message.Message = Text(); }
                        else if (Is("formatted"u8)) { Advance(); message.Formatted = Text(); }
                        else if (Is("params"u8)) { Advance(); message.Params = JsonElement.ParseValue(ref _r); }
                        else { Advance(); _r.Skip(); }
                    }
                    return message;
                default:
                    _r.Skip();
                    return null;
            }
        }

        /// <summary>RFC 3339 text or seconds since the epoch (a float); anything else reads as "no timestamp".</summary>
        private DateTime? ReadTimestamp()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.Number when _r.TryGetDouble(out var seconds):
                    return FromEpoch(seconds);
                case JsonTokenType.String:
                    var text = _r.GetString();
                    if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                        return parsed.UtcDateTime;
                    return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? FromEpoch(s) : null;
                default:
                    _r.Skip();
                    return null;
            }
        }

        private static DateTime? FromEpoch(double seconds) =>
            double.IsFinite(seconds) && seconds is > 0 and < 253_402_300_799 // before year 10000
                ? DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
                : null;

        private RequestInfo? ReadRequest()
        {
            if (_r.TokenType == JsonTokenType.Null) return null;
            Expect(JsonTokenType.StartObject);
            string? url = null, method = null, query = null;
            Dictionary<string, string>? headers = null, cookies = null, env = null;
            JsonElement? data = null;
            while (NextProperty())
            {
                if (Is("url"u8)) { Advance(); url = String(); }
                else if (Is("method"u8)) { Advance(); method = String(); }
                else if (Is("query_string"u8)) { Advance(); query = ReadQueryString(); }
                else if (Is("headers"u8)) { Advance(); headers = ReadStringMap(); }
                else if (Is("cookies"u8)) { Advance(); cookies = ReadCookies(); }
                else if (Is("env"u8)) { Advance(); env = ReadStringMap(); }
                else if (Is("data"u8)) { Advance(); data = _r.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref _r); }
                else { Advance(); _r.Skip(); }
            }
            headers = headers is { Count: > 0 } ? headers : null;
            var request = new RequestInfo
            {
                Url = url,
                Method = method?.ToUpperInvariant(),
                QueryString = string.IsNullOrEmpty(query) ? null : query,
                Headers = headers,
                Cookies = cookies is { Count: > 0 } ? cookies : null,
                Referrer = HeaderOf(headers, "Referer"),
                UserAgent = HeaderOf(headers, "User-Agent"),
                RemoteAddr = HeaderOf(env, "REMOTE_ADDR"),
                Data = data is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } ? data : null,
            };
            // The .NET SDK sends "request": {} outside a web request.
            return request is { Url: null, Method: null, QueryString: null, Headers: null, Cookies: null, RemoteAddr: null, Data: null }
                ? null
                : request;
        }

        /// <summary>A query string as text ("a=1&amp;b=2", with or without '?'), an object, or a list of pairs: always text.</summary>
        private string? ReadQueryString()
        {
            if (_r.TokenType == JsonTokenType.String) return _r.GetString()?.TrimStart('?');
            if (_r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                _r.Skip();
                return null;
            }
            var query = new StringBuilder();
            foreach (var (name, value) in ReadStringMap() ?? [])
            {
                if (query.Length > 0) query.Append('&');
                query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            }
            return query.ToString();
        }

        /// <summary>Cookies as the raw Cookie header ("a=1; b=2"), an object, or a list of pairs.</summary>
        private Dictionary<string, string>? ReadCookies()
        {
            if (_r.TokenType != JsonTokenType.String) return ReadStringMap();
            var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var part in _r.GetString()!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0) cookies[part[..eq]] = part[(eq + 1)..];
            }
            return cookies;
        }

        /// <summary>
        /// An object of name → value, or a list of [name, value] pairs (how SDKs keep repeated headers); values that are
        /// not strings keep their JSON text, nulls are left out. A repeated name keeps its values joined by ", " as HTTP does.
        /// </summary>
        private Dictionary<string, string>? ReadStringMap()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.StartObject:
                    var map = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (NextProperty())
                    {
                        var name = _r.GetString()!;
                        Advance();
                        AddJoined(map, name, Text());
                    }
                    return map;
                case JsonTokenType.StartArray:
                    var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
                    {
                        if (_r.TokenType != JsonTokenType.StartArray) { _r.Skip(); continue; }
                        string? name = null, value = null;
                        var index = 0;
                        while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
                        {
                            var text = Text();
                            if (index == 0) name = text;
                            else if (index == 1) value = text;
                            index++;
                        }
                        if (name is not null) AddJoined(pairs, name, value);
                    }
                    return pairs;
                default:
                    _r.Skip();
                    return null;
            }
        }

        private static void AddJoined(Dictionary<string, string> map, string name, string? value)
        {
            if (value is null) return;
            map[name] = map.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        /// <summary>
        /// An object of free-form JSON values by name (user fields, frame variables): parsed as one element whose
        /// properties share its document, rather than one document per value.
        /// </summary>
        private Dictionary<string, JsonElement>? ReadElements()
        {
            if (_r.TokenType == JsonTokenType.Null) return null;
            Expect(JsonTokenType.StartObject);
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in JsonElement.ParseValue(ref _r).EnumerateObject())
                values[property.Name] = property.Value;
            return values;
        }

        /// <summary>A list whose items are texts or other values (a fingerprint part may be a number): all as text.</summary>
        private List<string>? ReadTextList()
        {
            if (_r.TokenType != JsonTokenType.StartArray)
            {
                _r.Skip();
                return null;
            }
            var list = new List<string>();
            while (_r.Read() && _r.TokenType != JsonTokenType.EndArray)
                if (Text() is { } text) list.Add(text);
            return list;
        }

        /// <summary>The value under the reader as text: a string as is, null as null, anything else as its JSON.</summary>
        private string? Text()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.String:
                    return _r.GetString();
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var start = (int)_r.TokenStartIndex;
                    _r.Skip();
                    return Encoding.UTF8.GetString(_json[start..(int)_r.BytesConsumed]);
                default:
                    return Encoding.UTF8.GetString(_r.ValueSpan);
            }
        }

        /// <summary>A string or null; any other value is not what the protocol allows here.</summary>
        private string? String() => _r.TokenType switch
        {
            JsonTokenType.String => _r.GetString(),
            JsonTokenType.Null => null,
            _ => throw Unexpected("a string"),
        };

        /// <summary>A frame's text: the pooled copy when <see cref="FrameSlots"/> holds it, else a new string that it then keeps.</summary>
        private string? Pooled()
        {
            if (_r.TokenType != JsonTokenType.String || _r.ValueSpan.Length > MaxPooledBytes) return String();
            // Unescaping never lengthens a text: its raw length bounds the buffer.
            Span<byte> unescaped = _r.ValueIsEscaped ? stackalloc byte[MaxPooledBytes] : default;
            var utf8 = _r.ValueIsEscaped ? unescaped[.._r.CopyString(unescaped)] : _r.ValueSpan;
            if (!Ascii.IsValid(utf8)) return _r.GetString(); // made, or refused, as before
            var hash = new HashCode();
            hash.AddBytes(utf8);
            var pair = hash.ToHashCode() & (FrameSlots.Length - 2); // two slots a hash: two texts that meet keep both
            for (var i = pair; i < pair + 2; i++)
                if (FrameSlots[i] is { } pooled && Ascii.Equals(utf8, pooled)) return pooled;
            var text = Encoding.ASCII.GetString(utf8);
            FrameSlots[FrameSlots[pair] is null ? pair : pair + 1] = text;
            return text;
        }

        private bool? Bool() => _r.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Null => null,
            _ => throw Unexpected("true or false"),
        };

        /// <summary>An integer, also written as a string ("12"), as SDKs that stringify numbers send it.</summary>
        private int? Int()
        {
            switch (_r.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number when _r.TryGetInt32(out var n):
                    return n;
                case JsonTokenType.String when !_r.ValueIsEscaped && Utf8Parser.TryParse(_r.ValueSpan, out int parsed, out var used) && used == _r.ValueSpan.Length:
                    return parsed;
                case JsonTokenType.String when _r.ValueIsEscaped && int.TryParse(_r.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unescaped):
                    return unescaped;
                default:
                    throw Unexpected("an integer");
            }
        }

        /// <summary>Moves to the next property name of the current object; false at its end.</summary>
        private bool NextProperty() => _r.Read() && _r.TokenType == JsonTokenType.PropertyName;

        private readonly bool Is(ReadOnlySpan<byte> name) => _r.ValueTextEquals(name);

        /// <summary>From a property name to its value.</summary>
        private void Advance() => _r.Read();

        private readonly void Expect(JsonTokenType type)
        {
            if (_r.TokenType != type) throw Unexpected(type == JsonTokenType.StartObject ? "an object" : "a list");
        }

        private readonly JsonException Unexpected(string what) =>
            new($"Expected {what} at byte {_r.TokenStartIndex.ToString(CultureInfo.InvariantCulture)}, found {_r.TokenType}.");
    }

    public const int MaxModules = 500;

    /// <summary>Sentry's chained-exception sources: Python's <c>__cause__</c>/<c>__context__</c>, .NET's inner exception.</summary>
    internal static ExceptionChaining ChainingOf(string? source) => source switch
    {
        "__cause__" or "InnerException" => ExceptionChaining.Cause,
        "__context__" => ExceptionChaining.Context,
        _ => ExceptionChaining.Unknown,
    };

    private static Dictionary<string, string>? ModulesOf(Dictionary<string, string>? modules)
    {
        if (modules is not { Count: > 0 }) return null;
        return modules.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Take(MaxModules)
            .ToDictionary(m => Cut(m.Key, MaxTagValue)!, m => Cut(m.Value, MaxTagValue)!, StringComparer.Ordinal);
    }

    /// <summary>The text to show and, when it was formatted from one, the template to group by.</summary>
    private static (string? Message, string? Template) MessageOf(SentryMessage? m)
    {
        if (m is null) return (null, null);
        var template = string.IsNullOrEmpty(m.Message) ? null : m.Message;
        var formatted = !string.IsNullOrEmpty(m.Formatted) ? m.Formatted : template is null ? null : Format(template, m.Params);
        if (formatted is null) return (null, null);
        return (Cut(formatted, MaxText), template is not null && template != formatted ? Cut(template, MaxText) : null);
    }

    /// <summary>Fills a printf-style template (<c>%s</c>, <c>%d</c>, ...) from positional params, as logging does.</summary>
    private static string Format(string template, JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Array } list) return template;
        var args = list.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : p.GetRawText()).ToList();
        var next = 0;
        return PrintfToken().Replace(template, match => match.Value == "%%" ? "%" : next < args.Count ? args[next++] : match.Value);
    }

    [GeneratedRegex(@"%%|%[-+ #0]*\d*(?:\.\d+)?[sdifrcxXeEgGa]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex PrintfToken();

    /// <summary>Sentry's levels, with the aliases SDKs and logging libraries send.</summary>
    internal static string LevelOf(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "fatal" or "critical" => "fatal",
        "warning" or "warn" => "warning",
        "info" or "log" => "info",
        "debug" or "trace" => "debug",
        _ => "error",
    };

    private static string? HeaderOf(Dictionary<string, string>? headers, string name)
    {
        if (headers is null) return null;
        foreach (var (key, value) in headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    private static Dictionary<string, string>? TagsOf(Dictionary<string, string>? tags)
    {
        if (tags is not { Count: > 0 }) return null;
        if (tags.Count <= MaxTags && !tags.Any(t => t.Key.Length > MaxTagValue || t.Value.Length > MaxTagValue)) return tags;
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in tags.Take(MaxTags))
            kept.TryAdd(Cut(name, MaxTagValue)!, Cut(value, MaxTagValue)!); // two names equal in their first 200 characters: the first
        return kept;
    }

    private static Dictionary<string, JsonElement>? UserOf(Dictionary<string, JsonElement>? user, string? clientAddress)
    {
        if (user is not { Count: > 0 }) return null;
        if (user.TryGetValue("ip_address", out var ip) && ip.ValueKind == JsonValueKind.String && ip.ValueEquals(AutoAddress))
        {
            if (clientAddress is null) user.Remove("ip_address");
            else user["ip_address"] = JsonSerializer.SerializeToElement(clientAddress, EventJsonContext.Default.String);
        }
        return user;
    }

    /// <summary>Sentry writes the placeholder with or without spaces; Alerts' <see cref="Fingerprinter"/> knows one spelling.</summary>
    private static List<string>? FingerprintOf(List<string>? parts)
    {
        if (parts is not { Count: > 0 }) return null;
        if (parts.Count > MaxFingerprintParts) parts.RemoveRange(MaxFingerprintParts, parts.Count - MaxFingerprintParts);
        for (var i = 0; i < parts.Count; i++)
            if (DefaultPlaceholder().IsMatch(parts[i])) parts[i] = Fingerprinter.DefaultPlaceholder;
        return parts;
    }

    [GeneratedRegex(@"^\s*\{\{\s*default\s*\}\}\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 100)]
    private static partial Regex DefaultPlaceholder();

    private static string? Cut(string? text, int max)
    {
        if (text is null || text.Length <= max) return text;
        var cut = max - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--; // never keep half of a surrogate pair
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
