(function () {
    // The clinic layer, filled in by directory/maps.py (_ClinicLayer.script).
    // Every value in `packed` is display-ready and made in Python (marker_data): this only
    // builds DOM from it. Data reaches the page as text only: textContent, attribute
    // values, and tooltips (Leaflet sets those as innerHTML) as markup serialised from a
    // text node. An href is only ever a value Python built, and is checked once more here.
    // Never write a brace followed by a brace, percent or hash in this file: branca
    // re-parses the rendered script as a Jinja template (maps.py checks at import).
    var map = %(map)s;
    var colours = %(palette)s;
    var origin = %(origin)s;
    var labels = %(labels)s;  // the map's words, in the page's language
    var scratch = document.createElement("div");
    var data = null;

    function asHtml(value) {  // markup showing value as plain text, for Leaflet tooltips
        scratch.textContent = value;
        var markup = scratch.innerHTML;
        scratch.textContent = "";
        return markup;
    }
    function addLine(box, node) {
        if (box.firstChild) { box.appendChild(document.createElement("br")); }
        box.appendChild(node);
    }
    function addText(box, value) {
        if (value) { addLine(box, document.createTextNode(value)); }
    }
    function checked(href) {  // built in Python; checked again, as the page's own rule
        return /^(?:https?:\/\/|tel:)/i.test(href) ? href : "";
    }
    function filled(template, name, value) {  // split/join: value is text, never a pattern
        return template.split("{" + name + "}").join(value);
    }
    function addLink(box, text, href, newTab) {
        var link = document.createElement("a");
        link.setAttribute("href", href);
        if (newTab) {
            link.setAttribute("target", "_blank");
            link.setAttribute("rel", "noopener noreferrer");
        }
        link.textContent = text;
        addLine(box, link);
    }
    function popup(marker) {  // built when it opens, not for every marker up front
        var i = marker.options.clinicRow;
        var box = document.createElement("div");
        var name = document.createElement("b");
        name.textContent = data.name[i];
        addLine(box, name);
        addText(box, data.place[i]);
        addText(box, data.away && data.away[i]);
        var tel = checked(data.tel[i]);
        if (tel && data.phone[i]) {
            addLink(box, data.phone[i], tel, false);  // tap to call
        } else {
            addText(box, data.phone[i]);
        }
        var site = checked(data.site[i]);
        if (site) { addLink(box, labels.website, site, true); }
        // Opens the patient's maps site only when tapped: nothing is fetched before.
        var route = checked(data.directions[i]);
        if (route) { addLink(box, filled(labels.directions, "name", data.name[i]), route, true); }
        return box;
    }
    // With a radius of at most 10 px Leaflet reports the marker's own position for a
    // click, which is what clinic_for_click matches. Clinics sharing a spot are fanned out
    // ("spiderfied") when their cluster is clicked, which moves them; this listener, added
    // before st_folium's, puts the real position back into the event.
    function keepRealPosition(e) {
        e.latlng = this._preSpiderfyLatlng || e.latlng;
    }
    function draw(unpacked) {
        data = unpacked;
        var markers = new Array(data.lat.length);
        for (var i = 0; i < markers.length; i++) {
            markers[i] = L.circleMarker([data.lat[i], data.lon[i]], {
                radius: 7, color: "#1f1f1f", weight: 1, fillOpacity: 0.9,
                fillColor: colours[data.colour.charCodeAt(i) - 48],
                clinicId: data.id[i], clinicRow: i
            }).bindTooltip(asHtml(data.name[i])).bindPopup(popup, {maxWidth: 280})
                .on("click", keepRealPosition);
        }
        cluster.addLayers(markers);
    }
    function unpack(packed) {  // base64 -> gzip -> JSON
        var binary = atob(packed);
        var bytes = new Uint8Array(binary.length);
        for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
        var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
        return new Response(stream).json();
    }
    function notice(message) {
        var control = L.control({position: "bottomleft"});
        control.onAdd = function () {
            var div = L.DomUtil.create("div", "clinic-map-notice");
            div.style.cssText = "background:#fff;padding:4px 8px;border-radius:4px";
            div.textContent = message;
            return div;
        };
        control.addTo(map);
    }

    // Leaflet's zoom buttons are titled in English: name them in the page's language.
    if (map.zoomControl) {
        [[map.zoomControl._zoomInButton, labels.zoom_in],
         [map.zoomControl._zoomOutButton, labels.zoom_out]].forEach(function (pair) {
            if (pair[0] && pair[1]) {
                pair[0].title = pair[1];
                pair[0].setAttribute("aria-label", pair[1]);
            }
        });
    }

    var cluster = L.markerClusterGroup(%(options)s);
    // Cluster icons get a tooltip too, so that st_folium's last_object_clicked_tooltip
    // always belongs to the object clicked last (it keeps the previous one otherwise).
    cluster.options.iconCreateFunction = function (group) {
        group.bindTooltip(filled(labels.cluster, "count", String(group.getChildCount())));
        return L.MarkerClusterGroup.prototype._defaultIconCreateFunction(group);
    };
    cluster.addTo(map);
    if (origin) {
        // The patient's point gets its own pane above the markers' and clusters' (600)
        // and below tooltips (650), so no cluster icon hides it. It takes no clicks: a
        // clinic at or next to the patient's spot must stay clickable underneath (the
        // legend says what the black ring is).
        var pane = map.createPane("clinicOrigin");
        pane.style.zIndex = 640;
        pane.style.pointerEvents = "none";
        L.circleMarker([origin[0], origin[1]], {radius: 9, color: "#000", weight: 4,
            fill: false, pane: "clinicOrigin", interactive: false}).addTo(map);
    }
    if (typeof DecompressionStream === "undefined") {
        notice(labels.unsupported);
    } else {
        unpack(%(packed)s).then(draw).catch(function (error) {
            console.error(error);
            notice(labels.failed);
        });
    }
    return cluster;
})()
