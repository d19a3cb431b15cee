namespace VcspGen.Generator.Emitting;

/// <summary>
/// The second half of <see cref="LuaEngine"/>: the header checks in the generated decoder's order, the tree, the
/// status and expert info, and the registration (UDP port table from the <c>vcsp.ports</c> preference, and a UDP
/// heuristic). It closes the <c>if registry == nil</c> block that <see cref="LuaEngine"/> opens.
/// </summary>
internal static class EngineDissect
{
    public const string Source = """

            local function dissect(tvb, pinfo, tree)
                local length = tvb:len()
                pinfo.cols.protocol = "VCSP"
                local root = tree:add(proto, tvb())
                local status, status_item, status_text = "ok", root, nil

                -- Keeps the first refusal, as the decoder reports the first check that fails; returns nil.
                local function fail(reason, item, text)
                    if status == "ok" then
                        status, status_item, status_text = reason, item, text
                    end

                    return nil
                end

                local kind = nil
                if length < 2 then
                    fail("Truncated", root, string.format("%d bytes: no flag", length))
                else
                    local version_item = root:add(H.version, tvb(0, 1))
                    local flag = tvb(1, 1):uint()
                    local flag_item = root:add(H.flag, tvb(1, 1))
                    kind = registry.kinds[flag]
                    if kind == nil then
                        fail("UnknownFlag", flag_item, string.format("no packet kind has flag 0x%02X", flag))
                    else
                        if first_names[flag] == nil then
                            flag_item:set_text(string.format("Flag: %s (0x%02x)", kind.name, flag))
                        end

                        root:add(H.kind, tvb(1, 1), kind.name):set_generated()
                        root:add(H.layout, tvb(1, 1), kind.layout):set_generated()
                        root:add(H.direction, tvb(1, 1), kind.direction):set_generated()
                        local header = HEADER[kind.layout]
                        if length < header then
                            fail("Truncated", root, string.format("%d bytes, shorter than the %s layout's %d-byte header", length, kind.layout, header))
                        else
                            local challenge_item = root:add(H.challenge, tvb(2, 2))
                            local challenge = tvb(2, 2):uint()
                            if challenge == 0x00FF then
                                challenge_item:append_text(" (FirstContact)")
                            elseif challenge == 0xFFFF then
                                challenge_item:append_text(" (None)")
                            end

                            local fragment_item = nil
                            if kind.layout == "text" then
                                root:add(H.sequence, tvb(4, 4))
                                fragment_item = root:add(H.fragment_offset, tvb(8, 1))
                                if kind.fragmentable then
                                    -- PROTOCOL.md's meaning of the offset: 0 a whole message, 255 its last fragment.
                                    local at = tvb(8, 1):uint()
                                    fragment_item:append_text(at == 0 and " (whole message)" or at == 255 and " (final fragment)" or string.format(" (fragment %d)", at))
                                end
                            end

                            local length_item = root:add(H.payload_length, tvb(header - 1, 1))
                            if length > LIMIT[kind.layout] then
                                fail("Oversize", root, string.format("%d bytes, more than the %s layout's limit of %d", length, kind.layout, LIMIT[kind.layout]))
                            end

                            if tvb(0, 1):uint() ~= 1 then
                                fail("BadVersion", version_item, string.format("version %d, not 1", tvb(0, 1):uint()))
                            end

                            if tvb(header - 1, 1):uint() ~= length - header then
                                fail("BadLength", length_item, string.format("payload length %d, but %d bytes follow the header", tvb(header - 1, 1):uint(), length - header))
                            end

                            if fragment_item ~= nil and not kind.fragmentable and tvb(8, 1):uint() ~= 0 then
                                fail("BadFragmentOffset", fragment_item, kind.name .. " is not fragmentable, so its fragment offset must be 0")
                            end

                            if not RULES[kind.challenge].ok(challenge) then
                                fail("ReservedChallenge", challenge_item, string.format("challenge 0x%04X, but %s takes %s", challenge, kind.name, RULES[kind.challenge].text))
                            end

                            -- The body, in wire order, from the header on.
                            local offset = header
                            local body = root:add(proto, tvb(header, length - header), kind.name)
                            local last = nil
                            for _, f in ipairs(kind.fields) do
                                last = f
                                offset = dissect_field(f, tvb, body, offset, length, fail)
                                if offset == nil then
                                    break
                                end
                            end

                            if offset ~= nil and (last == nil or last.kind ~= "rest") and offset ~= length then
                                fail("TrailingBytes", body, string.format("%d bytes after the last field", length - offset))
                            end
                        end
                    end
                end

                local status_field = root:add(H.status, status)
                status_field:set_generated()
                local name = kind ~= nil and kind.name or "Unknown"
                if status ~= "ok" then
                    status_item:add_proto_expert_info(MALFORMED[status] and E.malformed or E.refused, status .. ": " .. status_text)
                end

                local info = name
                if kind ~= nil and length >= HEADER[kind.layout] then
                    info = info .. string.format(" challenge=0x%04X", tvb(2, 2):uint())
                    if kind.layout == "text" then
                        info = info .. string.format(" seq=%d frag=%d", tvb(4, 4):uint(), tvb(8, 1):uint())
                    end
                end

                info = info .. string.format(" len=%d", length)
                if status ~= "ok" then
                    info = info .. " [" .. status .. "]"
                end

                pinfo.cols.info = info
                root:append_text(", " .. name .. ", " .. status)
                return length
            end

            function proto.dissector(tvb, pinfo, tree)
                local ok, result = pcall(dissect, tvb, pinfo, tree)
                if not ok then
                    -- A bug in this script, never a refusal: keep Wireshark going and say so.
                    tree:add_proto_expert_info(E.malformed, "VCSP dissector error: " .. tostring(result))
                    return tvb:len()
                end

                return result
            end

            -- Heuristic: version 1, a known flag, at least the kind's smallest datagram, at most its layout's limit,
            -- and a payload length that matches, so other UDP traffic is left alone.
            local function heuristic(tvb, pinfo, tree)
                local length = tvb:len()
                if length < 5 or tvb(0, 1):uint() ~= 1 then
                    return false
                end

                local kind = registry.kinds[tvb(1, 1):uint()]
                if kind == nil then
                    return false
                end

                local header = HEADER[kind.layout]
                if length < header + kind.min_body or length > LIMIT[kind.layout] or tvb(header - 1, 1):uint() ~= length - header then
                    return false
                end

                proto.dissector(tvb, pinfo, tree)
                return true
            end

            proto:register_heuristic("udp", heuristic)

            -- The port table: the preference vcsp.ports, a range such as 50429,50430-50439.
            local udp_port = DissectorTable.get("udp.port")
            local ports = "50429"
            proto.prefs.ports = Pref.range("UDP ports", ports, "UDP ports decoded as VCSP (groups and clients; the default group port is 50429)", 65535)
            udp_port:add(ports, proto)
            function proto.prefs_changed()
                local wanted = tostring(proto.prefs.ports)
                if wanted ~= ports then
                    if ports ~= "" then
                        udp_port:remove(ports, proto)
                    end

                    if wanted ~= "" then
                        udp_port:add(wanted, proto)
                    end

                    ports = wanted
                end
            end
        end

        """;
}
