// Fills an XForm with given answers in ODK's own engine (JavaRosa, from the ODK_Validate.jar that the pyxform wheel
// carries) and prints every question's state: the reference the comparison test holds the FieldSurvey form engine
// to. Compiled and run by tests/formengine/javarosa_harness.py; not part of the app.
//
// stdin:  {"jobs": [{"xform": "/path/form.xml", "cases": [{"repeats": {"members": 2},
//          "answers": [{"path": "members[2]/age", "type": "int", "value": "7"}, …]}, …]}, …]}
// stdout: one JSON array per case, jobs in order: [{"path": "members[2]/age", "relevant": true, "value": "7",
//          "required": false, "constraint": true|false|null}, …] (constraint: null when empty or without one),
//          or [{"error": "…"}] when JavaRosa fails on the case.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.QuestionDef;
import org.javarosa.core.model.actions.Actions;
import org.javarosa.core.model.data.DateData;
import org.javarosa.core.model.data.DateTimeData;
import org.javarosa.core.model.data.GeoPointData;
import org.javarosa.core.model.data.MultipleItemsData;
import org.javarosa.core.model.data.TimeData;
import org.javarosa.core.model.data.DecimalData;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.IntegerData;
import org.javarosa.core.model.data.SelectMultiData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.StringData;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.utils.DateUtils;
import org.javarosa.core.services.PrototypeManager;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.model.xform.XFormsModule;
import org.javarosa.xform.util.XFormUtils;
import org.javarosa.core.reference.PrefixedRootFactory;
import org.javarosa.core.reference.Reference;
import org.javarosa.core.reference.ReferenceManager;
import org.javarosa.core.services.storage.IStorageUtility;
import org.javarosa.core.services.storage.StorageManager;
import org.javarosa.core.services.storage.util.DummyIndexedStorageUtility;

public class Walk {
    public static void main(String[] args) throws Exception {
        new XFormsModule().registerModule();
        // (JavaRosa keeps an external instance's items in a storage utility: in memory here)
        StorageManager.setStorageFactory((String name, Class type) -> new DummyIndexedStorageUtility());
        // the form's files (jr://file/x.xml, jr://file-csv/x.csv: select_one_from_file, csv-external, xml-external)
        // are read from the job's "media" folder, as Collect reads them from the form's media folder
        // ("file-csv" first: "jr://file" is also the start of "jr://file-csv")
        ReferenceManager.instance().addReferenceFactory(new PrefixedRootFactory(new String[] {"file-csv", "file"}) {
            @Override
            protected Reference factory(String terminal, String uri) {
                return new FileReference(media + "/" + terminal, uri);
            }
        });
        ObjectMapper json = new ObjectMapper();
        JsonNode input = json.readTree(System.in);
        for (JsonNode job : input.get("jobs")) {
            byte[] xform = Files.readAllBytes(Paths.get(job.get("xform").asText()));
            media = job.has("media") ? job.get("media").asText() : ".";
            for (JsonNode c : job.get("cases")) {
                ArrayNode out = json.createArrayNode();
                try {
                    out = run(json, xform, c);
                } catch (Exception e) {
                    ObjectNode err = json.createObjectNode();
                    err.put("error", e.toString());
                    out.add(err);
                }
                System.out.println(json.writeValueAsString(out));
            }
        }
    }

    static String media = ".";

    // A file of the form's media folder.
    static class FileReference implements Reference {
        final String path, uri;

        FileReference(String path, String uri) {
            this.path = path;
            this.uri = uri;
        }

        public boolean doesBinaryExist() { return new java.io.File(path).exists(); }
        public java.io.InputStream getStream() throws java.io.IOException { return new java.io.FileInputStream(path); }
        public String getURI() { return uri; }
        public String getLocalURI() { return path; }
        public boolean isReadOnly() { return true; }
        public java.io.OutputStream getOutputStream() { throw new UnsupportedOperationException(); }
        public void remove() { throw new UnsupportedOperationException(); }
        public Reference[] probeAlternativeReferences() { return new Reference[0]; }
    }

    static ArrayNode run(ObjectMapper json, byte[] xform, JsonNode c) throws Exception {
        FormDef fd = XFormUtils.getFormFromInputStream(new ByteArrayInputStream(xform));
        fd.initialize(true, new InstanceInitializationFactory());
        FormEntryController fec = new FormEntryController(new FormEntryModel(fd));
        Map<String, Integer> wanted = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = c.get("repeats").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            wanted.put(e.getKey(), e.getValue().asInt());
        }
        walk(fec, wanted);
        TreeElement root = fd.getMainInstance().getRoot();
        for (JsonNode a : c.get("answers")) {
            TreeElement node = find(root, a.get("path").asText());
            if (node == null) {
                // a repeat instance that the answers before made possible (a repeat count, a repeat that became
                // relevant): made as Collect makes it, when the enumerator goes on through the form
                walk(fec, wanted);
                node = find(root, a.get("path").asText());
            }
            if (node == null) continue;  // (a repeat instance ODK did not make)
            fd.setValue(data(a.get("type").asText(), a.get("value").asText()), node.getRef(), node, true);
            // as FormEntryController.answerQuestion does: the question's xforms-value-changed actions (the
            // `trigger` column's setvalue) run after the answer is set
            QuestionDef question = FormDef.findQuestionByRef(node.getRef(), fd);
            if (question != null) {
                question.getActionController().triggerActionsFromEvent(Actions.EVENT_QUESTION_VALUE_CHANGED, fd,
                        node.getRef(), fd);
            }
        }
        walk(fec, wanted);   // on to the end of the form, as the enumerator goes to finish it
        if (c.has("reopen") && c.get("reopen").asBoolean()) {
            // as Collect opens a saved form again: every calculation and relevance worked out afresh
            fd.initialize(false, new InstanceInitializationFactory());
            root = fd.getMainInstance().getRoot();
        }
        ArrayNode out = json.createArrayNode();
        dump(json, fd, root, "", out);
        return out;
    }

    // Steps through the form from its start as the enumerator would, adding repeat instances up to the number wanted
    // (a repeat with a count makes its instances itself as the walk enters it).
    static void walk(FormEntryController fec, Map<String, Integer> wanted) {
        fec.jumpToIndex(FormIndex.createBeginningOfFormIndex());
        for (int event = fec.stepToNextEvent(); event != FormEntryController.EVENT_END_OF_FORM;
                event = fec.stepToNextEvent()) {
            if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                // (pyxform's XForm starts a repeat with one instance: the prompt stands after those there are)
                FormIndex at = fec.getModel().getFormIndex();
                // (the prompt's reference ends at the instance that would be added: its number is how many there
                // are in this instance of the repeats around it — getInstanceIndex() is the outermost repeat's)
                String name = at.getReference().getNameLast();
                if (at.getReference().getMultLast() < wanted.getOrDefault(name, 0)) {
                    fec.newRepeat();
                }
            }
        }
    }

    static TreeElement find(TreeElement root, String path) {
        TreeElement node = root;
        for (String step : path.split("/")) {
            String name = step;
            int mult = 0;
            int br = step.indexOf('[');
            if (br >= 0) {
                name = step.substring(0, br);
                mult = Integer.parseInt(step.substring(br + 1, step.length() - 1)) - 1;
            }
            node = node.getChild(name, mult);
            if (node == null) return null;
        }
        return node;
    }

    static IAnswerData data(String type, String value) {
        switch (type) {
            case "int": return new IntegerData(Integer.parseInt(value));
            case "decimal": return new DecimalData(Double.parseDouble(value));
            case "date": return new DateData(DateUtils.parseDate(value));
            case "select1": return new SelectOneData(new Selection(value));
            case "select": {
                List<Selection> chosen = new ArrayList<>();
                for (String v : value.trim().split("\\s+")) if (!v.isEmpty()) chosen.add(new Selection(v));
                return new SelectMultiData(chosen);
            }
            case "rank": {
                List<Selection> order = new ArrayList<>();
                for (String v : value.trim().split("\\s+")) if (!v.isEmpty()) order.add(new Selection(v));
                return new MultipleItemsData(order);
            }
            case "time": return new TimeData(DateUtils.parseTime(value));
            case "dateTime": return new DateTimeData(DateUtils.parseDateTime(value));
            case "geopoint": {
                String[] parts = value.trim().split("\\s+");
                double[] point = new double[parts.length];
                for (int i = 0; i < parts.length; i++) point[i] = Double.parseDouble(parts[i]);
                return new GeoPointData(point);
            }
            default: return new StringData(value);
        }
    }

    static void dump(ObjectMapper json, FormDef fd, TreeElement node, String prefix, ArrayNode out) {
        for (int i = 0; i < node.getNumChildren(); i++) {
            TreeElement child = node.getChildAt(i);
            if (child.getMultiplicity() == TreeReference_INDEX_TEMPLATE || child.isAttribute()) continue;
            String step = child.getName();
            if (prefix.isEmpty() && step.equals("meta")) continue;
            if (child.isRepeatable()) step += "[" + (child.getMultiplicity() + 1) + "]";
            String path = prefix.isEmpty() ? step : prefix + "/" + step;
            if (child.getNumChildren() > 0 || child.isRepeatable()) {
                ObjectNode row = json.createObjectNode();
                row.put("path", path);
                row.put("container", true);
                row.put("relevant", child.isRelevant());
                out.add(row);
                dump(json, fd, child, path, out);
                continue;
            }
            ObjectNode row = json.createObjectNode();
            row.put("path", path);
            row.put("relevant", child.isRelevant());
            IAnswerData value = child.getValue();
            row.put("value", value == null ? "" : value.uncast().getString());
            row.put("required", child.isRequired());
            if (value != null && child.getConstraint() != null) {
                row.put("constraint", fd.evaluateConstraint(child.getRef(), value));
            } else {
                row.putNull("constraint");
            }
            out.add(row);
        }
    }

    static final int TreeReference_INDEX_TEMPLATE = org.javarosa.core.model.instance.TreeReference.INDEX_TEMPLATE;
}
