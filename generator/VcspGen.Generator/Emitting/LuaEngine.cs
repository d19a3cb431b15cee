namespace VcspGen.Generator.Emitting;

/// <summary>
/// The part of every generated Wireshark script that does not depend on the assembly: the shared <c>vcsp</c> Proto,
/// the header fields, the expert infos, the field constructors, the decoder that walks a kind's field list exactly
/// as the generated C# decoder does (same checks, same order, same refusal names), and the registration. Whichever
/// script loads first runs it; the others find it in <c>_G.vcsp_dissector_registry</c> and only add their kinds.
/// </summary>
internal static class LuaEngine
{
    /// <summary>The engine's Lua text. It expects the locals <c>ASSEMBLY</c> and <c>FLAG_NAMES</c> before it.</summary>
    public static string Text => Source.Replace("\r\n", "\n");

    private const string Source = """
        local registry = _G.vcsp_dissector_registry
        if registry == nil then
            registry = { api = 1, kinds = {}, assemblies = {} }
            _G.vcsp_dissector_registry = registry

            local proto = Proto("vcsp", "Video-Chat Streaming Protocol")
            registry.proto = proto

            -- The flag's value strings are the first script's kinds (Wireshark copies them when the field is made);
            -- the flag of a kind that a later script adds is labelled with its name in the tree instead.
            local first_names = FLAG_NAMES
            local H = {
                version = ProtoField.uint8("vcsp.version", "Version", base.DEC, nil, nil, "Protocol version; 1 is the only one defined"),
                flag = ProtoField.uint8("vcsp.flag", "Flag", base.HEX, FLAG_NAMES, nil, "Packet kind"),
                kind = ProtoField.string("vcsp.kind", "Kind", base.ASCII, "The packet kind's name"),
                layout = ProtoField.string("vcsp.layout", "Layout", base.ASCII, "text (10-byte header) or media (5-byte header)"),
                direction = ProtoField.string("vcsp.direction", "Direction", base.ASCII, "Who sends this kind to whom (the decoder does not check it)"),
                challenge = ProtoField.uint16("vcsp.challenge", "Challenge", base.HEX, nil, nil, "Challenge number; 0x00FF is FirstContact, 0xFFFF is None"),
                sequence = ProtoField.uint32("vcsp.sequence", "Sequence", base.DEC, nil, nil, "Sequence number or request id (text layout only)"),
                fragment_offset = ProtoField.uint8("vcsp.fragment_offset", "Fragment offset", base.DEC, nil, nil, "0 whole message, 1 to 254 fragment number, 255 final fragment"),
                payload_length = ProtoField.uint8("vcsp.payload_length", "Payload length", base.DEC, nil, nil, "Bytes after the header; must be the datagram length minus the header"),
                status = ProtoField.string("vcsp.status", "Status", base.ASCII, "ok, or the VcspDecodeStatus the generated decoder refuses the datagram with"),
            }
            proto.fields = {
                H.version, H.flag, H.kind, H.layout, H.direction, H.challenge, H.sequence,
                H.fragment_offset, H.payload_length, H.status,
            }

            local E = {
                malformed = ProtoExpert.new("vcsp.malformed", "Malformed VCSP datagram", expert.group.MALFORMED, expert.severity.ERROR),
                refused = ProtoExpert.new("vcsp.refused", "VCSP datagram refused", expert.group.PROTOCOL, expert.severity.ERROR),
            }
            proto.experts = { E.malformed, E.refused }

            -- Refusals about the datagram's shape are malformed; the others break a protocol rule.
            local MALFORMED = { Truncated = true, Oversize = true, BadLength = true, TrailingBytes = true, FieldLength = true }
            local HEADER = { text = 10, media = 5 }
            local LIMIT = { text = 128, media = 240 }
            local RULES = {
                member = { text = "a member's challenge, never 0x00FF or 0xFFFF", ok = function(c) return c ~= 0x00FF and c ~= 0xFFFF end },
                first_contact = { text = "exactly 0x00FF (FirstContact)", ok = function(c) return c == 0x00FF end },
                none = { text = "exactly 0xFFFF (None)", ok = function(c) return c == 0xFFFF end },
                none_or_member = { text = "0xFFFF or a member's challenge, never 0x00FF", ok = function(c) return c ~= 0x00FF end },
                any = { text = "any value", ok = function() return true end },
            }
            local INTEGERS = {
                [1] = { ProtoField.uint8, ProtoField.int8 },
                [2] = { ProtoField.uint16, ProtoField.int16 },
                [4] = { ProtoField.uint32, ProtoField.int32 },
                [8] = { ProtoField.uint64, ProtoField.int64 },
            }

            -- Field constructors: each makes its ProtoFields, appends them to 'list' and returns the field's descriptor.
            function registry.integer(list, abbr, name, desc, size, signed, o)
                local make = INTEGERS[size][signed and 2 or 1]
                local shown = (o.names ~= nil or o.bits ~= nil) and base.HEX or base.DEC
                local names = size < 8 and o.names or nil
                local f = { kind = "integer", name = name, size = size, signed = signed, valid = o.valid, min = o.min, max = o.max, names = o.names }
                f.pf = make(abbr, name, shown, names, nil, desc)
                list[#list + 1] = f.pf
                if o.bits ~= nil and size < 8 then
                    f.bits = {}
                    for _, bit in ipairs(o.bits) do
                        local pf = ProtoField.bool(abbr .. "." .. bit[1], bit[2], size * 8, nil, bit[3])
                        f.bits[#f.bits + 1] = pf
                        list[#list + 1] = pf
                    end
                end
                return f
            end

            function registry.address(list, abbr, name, desc)
                local f = {
                    kind = "address", name = name,
                    pf = ProtoField.none(abbr, name, desc),
                    family = ProtoField.uint8(abbr .. ".family", "Family", base.DEC, { [4] = "IPv4", [6] = "IPv6" }),
                    reserved = ProtoField.uint8(abbr .. ".reserved", "Reserved", base.DEC),
                    port = ProtoField.uint16(abbr .. ".port", "Port", base.DEC),
                    ipv4 = ProtoField.ipv4(abbr .. ".ipv4", "IPv4 address"),
                    ipv6 = ProtoField.ipv6(abbr .. ".ipv6", "IPv6 address"),
                }
                for _, key in ipairs({ "pf", "family", "reserved", "port", "ipv4", "ipv6" }) do
                    list[#list + 1] = f[key]
                end
                return f
            end

            function registry.bytes(list, abbr, name, desc, o)
                local f = { kind = o.prefixed and "prefixed" or "rest", name = name, text = o.text, min = o.min, max = o.max }
                f.pf = o.text and ProtoField.string(abbr, name, base.UNICODE, desc) or ProtoField.bytes(abbr, name, base.NONE, desc)
                list[#list + 1] = f.pf
                if o.prefixed then
                    f.length = ProtoField.uint8(abbr .. ".length", name .. " length", base.DEC)
                    list[#list + 1] = f.length
                end
                return f
            end

            -- Adds an assembly's kinds (once per assembly; a flag another assembly already has keeps the first kind).
            function registry.add(assembly, list, kinds)
                if registry.assemblies[assembly] then
                    return
                end

                registry.assemblies[assembly] = true
                proto.fields = list
                for _, kind in ipairs(kinds) do
                    if registry.kinds[kind.flag] == nil then
                        kind.assembly = assembly
                        registry.kinds[kind.flag] = kind
                    end
                end
            end

            local function read_integer(range, size, signed)
                if size == 8 then
                    return signed and range:int64() or range:uint64()
                end

                return signed and range:int() or range:uint()
            end

            local function add_bytes(tree, f, tvb, offset, count)
                local range = tvb(offset, count)
                local item
                if not f.text then
                    item = tree:add(f.pf, range)
                elseif count > 0 and range:raw():find("\0", 1, true) then
                    -- Wireshark warns of stray characters after a NUL in a string; the decoder takes any byte: show it as \0.
                    item = tree:add(f.pf, range, (range:raw():gsub("\0", "\\0")))
                else
                    item = tree:add_packet_field(f.pf, range, ENC_UTF_8)
                end

                if count == 0 then
                    item:append_text(" (empty)")
                end

                return item
            end

            -- One body field at 'offset'. Returns the next offset, or nil after a refusal (the decoder stops there).
            local function dissect_field(f, tvb, tree, offset, length, fail)
                if f.kind == "integer" then
                    -- Field by field, in wire order (the generated decoder checks a run of integers with one length
                    -- check, and when it fails, the values that are there in this order).
                    if length - offset < f.size then
                        return fail("Truncated", tree, string.format("%s needs %d bytes, %d left", f.name, f.size, length - offset))
                    end

                    local range = tvb(offset, f.size)
                    local item = tree:add(f.pf, range)
                    local value = read_integer(range, f.size, f.signed)
                    if f.bits ~= nil then
                        for _, pf in ipairs(f.bits) do
                            item:add(pf, range)
                        end
                    end

                    if f.valid ~= nil and not f.valid[tostring(value)] then
                        return fail("InvalidValue", item, string.format("%s %s is not a member of its enum", f.name, tostring(value)))
                    end

                    if (f.min ~= nil and value < f.min) or (f.max ~= nil and value > f.max) then
                        return fail("InvalidValue", item, string.format("%s %s is outside %s to %s", f.name, tostring(value), tostring(f.min or "its type's least"), tostring(f.max or "its type's largest")))
                    end

                    return offset + f.size
                elseif f.kind == "address" then
                    if length - offset < 8 then
                        return fail("Truncated", tree, string.format("%s needs at least 8 bytes, %d left", f.name, length - offset))
                    end

                    local family = tvb(offset, 1):uint()
                    local size = family == 6 and 20 or 8
                    local shown = math.min(size, length - offset)
                    local item = tree:add(f.pf, tvb(offset, shown))
                    item:add(f.family, tvb(offset, 1))
                    local reserved = item:add(f.reserved, tvb(offset + 1, 1))
                    item:add(f.port, tvb(offset + 2, 2))
                    local port = tvb(offset + 2, 2):uint()
                    if tvb(offset + 1, 1):uint() ~= 0 then
                        return fail("InvalidValue", reserved, f.name .. "'s reserved byte is not 0")
                    end

                    if family == 4 then
                        item:add(f.ipv4, tvb(offset + 4, 4))
                        item:append_text(string.format(": %s:%d", tostring(tvb(offset + 4, 4):ipv4()), port))
                        return offset + 8
                    elseif family == 6 then
                        if length - offset < 20 then
                            return fail("Truncated", item, string.format("%s is IPv6 and needs 20 bytes, %d left", f.name, length - offset))
                        end

                        item:add(f.ipv6, tvb(offset + 4, 16))
                        item:append_text(string.format(": [%s]:%d", tostring(tvb(offset + 4, 16):ipv6()), port))
                        return offset + 20
                    end

                    return fail("InvalidValue", item, string.format("%s has family %d, not 4 or 6", f.name, family))
                elseif f.kind == "prefixed" then
                    if length - offset < 1 then
                        return fail("Truncated", tree, f.name .. "'s length byte is missing")
                    end

                    local count = tvb(offset, 1):uint()
                    local length_item = tree:add(f.length, tvb(offset, 1))
                    offset = offset + 1
                    if count < f.min or (f.max ~= nil and count > f.max) then
                        return fail("FieldLength", length_item, string.format("%s is %d bytes, not %d to %d", f.name, count, f.min, f.max or 255))
                    end

                    if length - offset < count then
                        return fail("Truncated", length_item, string.format("%s says %d bytes, %d left", f.name, count, length - offset))
                    end

                    add_bytes(tree, f, tvb, offset, count)
                    return offset + count
                end

                -- The rest field: every remaining byte.
                local count = length - offset
                local item = add_bytes(tree, f, tvb, offset, count)
                if count < f.min or (f.max ~= nil and count > f.max) then
                    return fail("FieldLength", item, string.format("%s is %d bytes, not %d to %s", f.name, count, f.min, f.max and tostring(f.max) or "the end"))
                end

                return length
            end
        """ + EngineDissect.Source;
}
