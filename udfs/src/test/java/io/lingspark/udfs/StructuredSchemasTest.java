package io.lingspark.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The DDL → JSON Schema → Spark type mappings and the value conversion, without Spark running. */
class StructuredSchemasTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void ddlBecomesAStrictObjectSchemaInFieldOrder() throws Exception {
        JsonNode s = JSON.readTree(StructuredSchemas.jsonSchemaFromDdl(
            "label STRING, score DOUBLE, n INT, ok BOOLEAN, tags ARRAY<STRING>, "
                + "who STRUCT<name: STRING, age: TINYINT>, d DATE, ts TIMESTAMP, big BIGINT, amount DECIMAL(10,2)"));
        assertEquals(json("{'type':'object','properties':{"
            + "'label':{'type':'string'},'score':{'type':'number'},"
            + "'n':{'type':'integer','minimum':-2147483648,'maximum':2147483647},'ok':{'type':'boolean'},"
            + "'tags':{'type':'array','items':{'type':'string'}},"
            + "'who':{'type':'object','properties':{'name':{'type':'string'},"
            + "'age':{'type':'integer','minimum':-128,'maximum':127}},'required':['name','age'],'additionalProperties':false},"
            + "'d':{'type':'string','format':'date'},'ts':{'type':'string','format':'date-time'},"
            + "'big':{'type':'integer','minimum':-9223372036854775808,'maximum':9223372036854775807},"
            + "'amount':{'type':'number'}},"
            + "'required':['label','score','n','ok','tags','who','d','ts','big','amount'],'additionalProperties':false}"), s);
    }

    @Test
    void charAndVarcharKeepTheirLengthAsMaxLength() throws Exception {
        JsonNode s = JSON.readTree(StructuredSchemas.jsonSchemaFromDdl("code CHAR(3), label VARCHAR(12), who STRUCT<n: VARCHAR(5)>"));
        assertEquals(3, s.at("/properties/code/maxLength").asInt());
        assertEquals(12, s.at("/properties/label/maxLength").asInt());
        assertEquals(5, s.at("/properties/who/properties/n/maxLength").asInt());
    }

    @Test
    void unsupportedTypesAndBadDdlAreRefusedWithTheFieldOrSparksMessage() {
        IllegalArgumentException map = assertThrows(IllegalArgumentException.class,
            () -> StructuredSchemas.jsonSchemaFromDdl("a STRING, m MAP<STRING, INT>"));
        assertTrue(map.getMessage().contains("'m'") && map.getMessage().contains("MAP"), map.getMessage());
        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class,
            () -> StructuredSchemas.jsonSchemaFromDdl("s STRUCT<b: BINARY>"));
        assertTrue(nested.getMessage().contains("'s.b'") && nested.getMessage().contains("BINARY"), nested.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> StructuredSchemas.jsonSchemaFromDdl("label STRANGE_TYPE"));
        assertTrue(bad.getMessage().contains("invalid DDL") && bad.getMessage().length() > 40, bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StructuredSchemas.jsonSchemaFromDdl(" "));
    }

    @Test
    void ddlSchemaMapsBackToTheWidenedSparkTypes() {
        DataType t = StructuredSchemas.sparkTypeOf(StructuredSchemas.jsonSchemaFromDdl(
            "label STRING, n INT, x FLOAT, tags ARRAY<STRING>, who STRUCT<name: STRING>, d DATE"));
        assertEquals(DataType.fromDDL("label STRING, n BIGINT, x DOUBLE, tags ARRAY<STRING>, "
            + "who STRUCT<name: STRING>, d STRING"), t);
    }

    @Test
    void schemaMappingCoversUnionsRefsEnumsAndUnrepresentableShapes() {
        String schema = "{'type':'object','$defs':{'Point':{'type':'object','properties':{'x':{'type':'number'},"
            + "'y':{'type':'number'}}},'Node':{'type':'object','properties':{'v':{'type':'integer'},"
            + "'next':{'$ref':'#/$defs/Node'}}}},'properties':{"
            + "'a':{'type':['string','null']},"
            + "'b':{'anyOf':[{'type':'integer'},{'type':'null'}]},"
            + "'c':{'anyOf':[{'type':'integer'},{'type':'string'}]},"
            + "'p':{'$ref':'#/$defs/Point'},"
            + "'ps':{'type':'array','items':{'$ref':'#/$defs/Point'}},"
            + "'node':{'$ref':'#/$defs/Node'},"
            + "'free':{'type':'object'},"
            + "'color':{'enum':['red','green']},'level':{'enum':[1,2,3]},'any':{},"
            + "'num':{'type':['integer','number']},'list':{'type':'array'}}}";
        StructType point = DataTypes.createStructType(List.of(
            DataTypes.createStructField("x", DataTypes.DoubleType, true),
            DataTypes.createStructField("y", DataTypes.DoubleType, true)));
        StructType node = DataTypes.createStructType(List.of(
            DataTypes.createStructField("v", DataTypes.LongType, true),
            DataTypes.createStructField("next", DataTypes.StringType, true))); // recursion stops as JSON text
        StructType expected = new StructType()
            .add("a", DataTypes.StringType).add("b", DataTypes.LongType).add("c", DataTypes.StringType)
            .add("p", point).add("ps", DataTypes.createArrayType(point, true)).add("node", node)
            .add("free", DataTypes.StringType).add("color", DataTypes.StringType).add("level", DataTypes.LongType)
            .add("any", DataTypes.StringType).add("num", DataTypes.DoubleType)
            .add("list", DataTypes.createArrayType(DataTypes.StringType, true));
        assertEquals(expected, StructuredSchemas.sparkTypeOf(schema.replace('\'', '"')));
        assertEquals(DataTypes.StringType, StructuredSchemas.sparkTypeOf("{\"type\":\"object\"}"));
        assertEquals(DataTypes.LongType, StructuredSchemas.sparkTypeOf("{\"type\":\"integer\"}"));
        assertThrows(IllegalArgumentException.class, () -> StructuredSchemas.sparkTypeOf("{not json"));
    }

    @Test
    void valuesConvertToTheirTypesAndMisfitsBecomeNull() throws Exception {
        StructType t = (StructType) DataType.fromDDL("label STRING, n INT, big BIGINT, score DOUBLE, ok BOOLEAN, "
            + "tags ARRAY<STRING>, who STRUCT<name: STRING, age: TINYINT>, d DATE, ts TIMESTAMP, amount DECIMAL(5,2), "
            + "raw STRING, missing STRING");
        Row r = (Row) StructuredSchemas.toSparkValue(json("{'label':'pos','n':3.0,'big':9007199254740993,'score':1,"
            + "'ok':true,'tags':['a',null],'who':{'name':'Ann','age':300},'d':'2024-02-29',"
            + "'ts':'2024-02-29T10:00:00+01:00','amount':123.456,'raw':{'k':[1,2]}}"), t);
        assertEquals("pos", r.get(0));
        assertEquals(3, r.get(1), "1.0-style integers count as integers");
        assertEquals(9007199254740993L, r.get(2), "no detour through double");
        assertEquals(1.0, r.get(3));
        assertEquals(true, r.get(4));
        assertEquals(java.util.Arrays.asList("a", null), r.get(5));
        Row who = (Row) r.get(6);
        assertEquals("Ann", who.get(0));
        assertNull(who.get(1), "300 does not fit TINYINT");
        assertEquals(LocalDate.of(2024, 2, 29), r.get(7));
        assertEquals(Instant.parse("2024-02-29T09:00:00Z"), r.get(8));
        assertEquals(new BigDecimal("123.46"), r.get(9));
        assertEquals("{\"k\":[1,2]}", r.get(10), "a non-string value in a STRING column is its JSON text");
        assertNull(r.get(11));

        assertNull(StructuredSchemas.toSparkValue(json("{'n':'three'}").get("n"), DataTypes.LongType));
        assertNull(StructuredSchemas.toSparkValue(json("{'n':1.5}").get("n"), DataTypes.LongType));
        assertNull(StructuredSchemas.toSparkValue(json("{'n':99999999999999999999}").get("n"), DataTypes.LongType));
        assertNull(StructuredSchemas.toSparkValue(json("{'d':'2024-02-30'}").get("d"), DataTypes.DateType));
        assertNull(StructuredSchemas.toSparkValue(json("[1]"), t), "not an object");
        assertNull(StructuredSchemas.toSparkValue("{cut off", t));
        assertNull(StructuredSchemas.toSparkValue((String) null, t));
    }
}
